// Publishing: from an authenticated request to records Kafka acknowledged. Everything is checked
// before anything is written — grants, shape, limits, every event's data against the type's
// schema, every attribute — so a batch is refused whole or written whole.
import { Partitioners, type PartitionMetadata } from 'kafkajs';
import { canWrite, type Principal, type RateLimiter } from '@herald/auth';
import { partitionKeyOf, type EventTypeCatalog, type EventType } from '@herald/catalog';
import { EnvelopeError, toKafkaMessage, uuidv7, type HeraldEvent, type Keyring } from '@herald/envelope';
import { HttpProblem } from '@herald/runtime';
import type { DedupeWindow, WrittenAt } from './dedupe.js';
import { conform, encode, type DataProblem, type SchemaCache } from './encoding.js';
import { KafkaUnavailableError, RecordTooLargeError, type EventWriter, type OutgoingRecord } from './event-writer.js';
import type { PublisherMetrics } from './metrics.js';
import { validatePublishRequest, type PublishEventBody } from './validation.js';

export interface PublishLimits {
  maxBatchEvents: number;
  maxEventBytes: number;
}

export interface PublishDeps {
  catalog: EventTypeCatalog;
  writer: EventWriter;
  schemas: SchemaCache;
  keyring: Keyring;
  dedupe: DedupeWindow;
  rateLimiter: RateLimiter;
  metrics: PublisherMetrics;
  limits: PublishLimits;
  /** Base URL of the registry, for each event's `dataschema` (…/schemas/ids/<id>). */
  registryUrl: string;
}

export interface PublishedEvent {
  id: string;
  partition: number;
  offset: string;
  duplicate: boolean;
}

export interface PublishOutcome {
  /** 201 when anything was written, 200 when every event was a duplicate. */
  status: 200 | 201;
  events: PublishedEvent[];
}

interface Prepared {
  event: HeraldEvent;
  record: OutgoingRecord;
}

// Kafka's own partitioner (murmur2, as the Java client): a key lands where any Kafka client would put it.
const partitioner = Partitioners.DefaultPartitioner();
const partitionMetadata = new Map<number, PartitionMetadata[]>();

/** The partition of a key in a topic of `partitions` partitions (only the count matters for keyed records). */
function partitionFor(topic: string, key: string, partitions: number): number {
  let metadata = partitionMetadata.get(partitions);
  if (!metadata) {
    metadata = Array.from({ length: partitions }, (_, partitionId) => ({ partitionId, leader: 0, partitionErrorCode: 0, replicas: [], isr: [] }));
    partitionMetadata.set(partitions, metadata);
  }
  return partitioner({ topic, partitionMetadata: metadata, message: { key, value: null } });
}

const retryAfter = (seconds: number) => ({ 'Retry-After': String(Math.max(1, Math.ceil(seconds))) });

function tooLarge(limitName: string, limit: number, detail: string): HttpProblem {
  return new HttpProblem('payload_too_large', 'Payload too large', { detail, extensions: { limit, limitName } });
}

function recordBytes(key: string, value: Buffer, headers: Record<string, string>): number {
  let bytes = Buffer.byteLength(key) + value.length;
  for (const [name, v] of Object.entries(headers)) bytes += Buffer.byteLength(name) + Buffer.byteLength(v);
  return bytes;
}

export class Publisher {
  constructor(private readonly deps: PublishDeps) {}

  async publish(principal: Principal, typeName: string, body: unknown): Promise<PublishOutcome> {
    const started = process.hrtime.bigint();
    const { deps } = this;
    const type = deps.catalog.get(typeName);
    if (!type) throw new HttpProblem('not_found', 'No such event type', { detail: `there is no event type '${typeName}'` });
    if (!canWrite(principal, type)) throw new HttpProblem('forbidden', 'Not a writer of this event type', { detail: `'${principal.id}' may not publish ${typeName}` });
    if (Array.isArray(body) && body.length > deps.limits.maxBatchEvents) {
      throw tooLarge('batchEvents', deps.limits.maxBatchEvents, `a batch holds at most ${deps.limits.maxBatchEvents} events, got ${body.length}`);
    }
    const validation = validatePublishRequest(body);
    if (!validation.ok) {
      const code = validation.provenance ? 'provenance_not_allowed' : 'invalid_request';
      throw new HttpProblem(code, code === 'invalid_request' ? 'Invalid request' : 'Provenance is stamped by Herald', {
        detail: validation.errors.map((e) => `${e.path || '/'}: ${e.message}`).join('; '),
        extensions: { errors: validation.errors },
      });
    }
    const batch = Array.isArray(validation.value);
    const events: PublishEventBody[] = Array.isArray(validation.value) ? validation.value : [validation.value];
    const limit = deps.rateLimiter.take(principal.id, events.length);
    if (!limit.ok) {
      throw new HttpProblem('rate_limited', 'Rate limit exceeded', {
        detail: `'${principal.id}' may publish at most its rate; retry in ${limit.retryAfterSeconds} s`,
        headers: retryAfter(limit.retryAfterSeconds),
      });
    }

    const prepared = await this.prepare(principal, type, events, batch);
    const outcome = await this.write(type, prepared);
    const written = outcome.filter((e) => !e.duplicate).length;
    const bytes = prepared.reduce((n, p, i) => (outcome[i]!.duplicate ? n : n + p.record.bytes), 0);
    if (written > 0) deps.metrics.published(type.name, written, bytes, Number(process.hrtime.bigint() - started) / 1e9);
    if (written < outcome.length) deps.metrics.duplicates(type.name, outcome.length - written);
    return { status: written > 0 ? 201 : 200, events: outcome };
  }

  /** Validates every event and builds its signed record; throws with every problem found. */
  private async prepare(principal: Principal, type: EventType, events: PublishEventBody[], batch: boolean): Promise<Prepared[]> {
    const { deps } = this;
    let schema;
    try {
      schema = await deps.schemas.get(type.schemaId);
    } catch (err) {
      throw new HttpProblem('registry_unavailable', 'Schema registry unavailable', { detail: (err as Error).message, headers: retryAfter(1), cause: err });
    }
    const source = principal.source ?? type.source;
    const now = new Date().toISOString();
    const problems: Array<DataProblem & { index: number }> = [];
    const prepared: Prepared[] = [];
    const ids = new Map<string, number>();
    events.forEach((e, index) => {
      const at = batch ? `/${index}` : '';
      const found = (path: string, message: string) => problems.push({ index, path: `${at}${path}`, message });
      if (e.id !== undefined) {
        const first = ids.get(e.id);
        if (first !== undefined) found('/id', `repeats the id of event ${first} of this batch`);
        ids.set(e.id, index);
      }
      const data = conform(schema.type, e.data, `${at}/data`);
      if (!data.ok) for (const p of data.problems) problems.push({ index, ...p });
      const key = e.partitionKey !== undefined ? { ok: true as const, key: e.partitionKey } : partitionKeyOf(e.data, type.partitionKey);
      if (!key.ok) found('/partitionKey', key.reason);
      if (type.mode === 'notification' && e.dataref === undefined) found('/dataref', 'notification events must carry a dataref: where to fetch the state');
      if (!data.ok || !key.ok) return;
      const event: HeraldEvent = {
        specversion: '1.0',
        id: e.id ?? uuidv7(),
        source,
        type: type.name,
        time: e.time ?? now,
        recordedtime: now,
        partitionkey: key.key,
        dataschema: `${deps.registryUrl}/schemas/ids/${schema.id}`,
        datacontenttype: 'application/avro',
        authtype: principal.authtype,
        authid: principal.id,
        ...(e.subject !== undefined ? { subject: e.subject } : {}),
        ...(e.dataref !== undefined ? { dataref: e.dataref } : {}),
        ...(e.traceparent !== undefined ? { traceparent: e.traceparent } : {}),
        ...(e.sequence !== undefined ? { sequence: e.sequence } : {}),
        data: encode(schema, data.value),
      };
      let message;
      try {
        message = toKafkaMessage(event, deps.keyring);
      } catch (err) {
        if (!(err instanceof EnvelopeError)) throw err;
        for (const p of err.problems) found(`/${p.attribute}`, p.reason);
        return;
      }
      const bytes = recordBytes(message.key, message.value, message.headers);
      if (bytes > deps.limits.maxEventBytes) {
        throw tooLarge('eventBytes', deps.limits.maxEventBytes, `event ${index} is ${bytes} bytes as a Kafka record; the limit is ${deps.limits.maxEventBytes}`);
      }
      prepared.push({
        event,
        record: { topic: type.topicName, partition: partitionFor(type.topicName, key.key, type.topic.partitions), key: message.key, value: message.value, headers: message.headers, bytes },
      });
    });
    if (problems.length > 0) {
      throw new HttpProblem('invalid_event', batch ? 'Invalid events: nothing was written' : 'Invalid event', {
        detail: problems.map((p) => `${p.path}: ${p.message}`).join('; '),
        extensions: { errors: problems },
      });
    }
    return prepared;
  }

  /** Writes what the dedupe window has not seen, all or nothing; answers for every event. */
  private async write(type: EventType, prepared: Prepared[]): Promise<PublishedEvent[]> {
    const { dedupe, writer, metrics } = this.deps;
    const results: Array<PublishedEvent | Promise<PublishedEvent>> = [];
    const fresh: number[] = [];
    // Looking up and claiming happen in one synchronous step, so two requests cannot both claim an id.
    prepared.forEach(({ event }, i) => {
      const seen = dedupe.seen(event.source, event.id);
      if (seen.state === 'written') results[i] = { id: event.id, ...seen.at, duplicate: true };
      else if (seen.state === 'pending') {
        results[i] = seen.outcome.then((at) => {
          if (!at) throw new HttpProblem('kafka_unavailable', 'Kafka unavailable', { detail: `an earlier write of event ${event.id} failed; retry`, headers: retryAfter(1) });
          return { id: event.id, ...at, duplicate: true };
        });
      } else fresh.push(i);
    });
    if (fresh.length > 0) {
      const { acked, settled } = writer.write(fresh.map((i) => prepared[i]!.record));
      fresh.forEach((i, j) => {
        const { event } = prepared[i]!;
        dedupe.begin(event.source, event.id, settled.then((positions): WrittenAt | undefined => positions?.[j]));
      });
      try {
        const positions = await acked;
        fresh.forEach((i, j) => (results[i] = { id: prepared[i]!.event.id, ...positions[j]!, duplicate: false }));
      } catch (err) {
        if (err instanceof RecordTooLargeError) {
          throw tooLarge('eventBytes', this.deps.limits.maxEventBytes, `Kafka refused the batch as too large for ${type.topicName}: ${err.message}`);
        }
        if (err instanceof KafkaUnavailableError) {
          metrics.kafkaError();
          throw new HttpProblem('kafka_unavailable', 'Kafka unavailable', { detail: `${err.message}; nothing was acknowledged`, headers: retryAfter(1), cause: err });
        }
        throw err;
      }
    }
    return Promise.all(results);
  }
}
