// Trying a pattern before subscribing with it: the newest events of a type, read with a
// throwaway consumer, each checked as the router would (signature first, data decoded only if
// the pattern tests it) and explained: matched, or the field that failed and why.
import { randomUUID } from 'node:crypto';
import type { Kafka, KafkaMessage } from 'kafkajs';
import { canRead, type Principal } from '@herald/auth';
import type { EventTypeCatalog } from '@herald/catalog';
import type { Keyring, KafkaHeaders } from '@herald/envelope';
import { check, explain, referencesField, type Pattern } from '@herald/patterns';
import { HttpProblem, type Logger } from '@herald/runtime';
import type { SchemaCodec } from '@herald/schemas';
import { RoutingFailure } from './errors.js';
import { attributesView, decodeData, fullView, inspectRecord } from './event-view.js';
import { DEFAULT_TEST_EVENTS, type PatternTestResult, type TestedEvent } from './openapi.js';
import { kafkaProblem } from '@herald/kafka';
import { invalidPattern, validatePatternTest } from './validation.js';

export interface PatternTesterDeps {
  kafka: Kafka;
  eventTypes: Pick<EventTypeCatalog, 'get' | 'refresh'>;
  keyring: Keyring;
  codec: SchemaCodec;
  /** Most events one test may read (`last`). */
  maxEvents: number;
  logger: Logger;
  /** How long reading the events may take; default 15 s. */
  timeoutMs?: number;
}

/** The offsets `[start, end)` of one partition to read. */
export interface PartitionRange {
  partition: number;
  start: bigint;
  end: bigint;
}

/**
 * The newest `count` records of a topic, spread over its partitions as evenly as they allow: a
 * partition holding fewer than its share leaves the rest to the others. `high` is the end
 * offset a read_committed consumer reaches (the last stable offset).
 */
export function newestRanges(offsets: ReadonlyArray<{ partition: number; low: string; high: string }>, count: number): PartitionRange[] {
  const sorted = [...offsets].sort((a, b) => a.partition - b.partition);
  const available = sorted.map(({ low, high }) => {
    const held = BigInt(high) - BigInt(low);
    return held > BigInt(count) ? count : Math.max(0, Number(held));
  });
  const taken = sorted.map(() => 0);
  let remaining = count;
  let open = sorted.map((_, i) => i).filter((i) => available[i]! > 0);
  while (remaining > 0 && open.length > 0) {
    const share = Math.max(1, Math.floor(remaining / open.length));
    for (const i of open) {
      const take = Math.min(share, available[i]! - taken[i]!, remaining);
      taken[i]! += take;
      remaining -= take;
      if (remaining === 0) break;
    }
    open = open.filter((i) => taken[i]! < available[i]!);
  }
  return sorted.flatMap(({ partition, high }, i) => (taken[i]! > 0 ? [{ partition, start: BigInt(high) - BigInt(taken[i]!), end: BigInt(high) }] : []));
}

interface ReadRecord {
  partition: number;
  message: KafkaMessage;
}

/** A single header value as text, for describing a record that is not a readable event. */
function headerText(headers: KafkaHeaders | undefined, name: string): string | undefined {
  const value = headers?.[name];
  if (value === undefined || Array.isArray(value)) return undefined;
  return value.toString();
}

function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(onTimeout()), ms);
    }),
  ]);
}

export class PatternTester {
  private readonly timeoutMs: number;

  constructor(private readonly deps: PatternTesterDeps) {
    this.timeoutMs = deps.timeoutMs ?? 15_000;
  }

  async test(principal: Principal, body: unknown): Promise<PatternTestResult> {
    const { maxEvents } = this.deps;
    const checked = validatePatternTest(body);
    const last = checked.ok ? (checked.value.last ?? Math.min(DEFAULT_TEST_EVENTS, maxEvents)) : 0;
    const errors = checked.ok ? (last > maxEvents ? [{ path: '/last', message: `must be <= ${maxEvents} (the configured maximum)` }] : []) : checked.errors;
    if (!checked.ok || errors.length > 0) {
      throw new HttpProblem('invalid_request', 'Invalid pattern test', { detail: errors.map((e) => `${e.path || '/'}: ${e.message}`).join('; '), extensions: { errors } });
    }
    const { eventType: name, pattern } = checked.value;
    const error = check(pattern);
    if (error) throw invalidPattern(error);
    // A type declared a moment ago elsewhere may not have reached this instance's catalog yet.
    if (!this.deps.eventTypes.get(name)) await this.deps.eventTypes.refresh();
    const type = this.deps.eventTypes.get(name);
    if (!type) throw new HttpProblem('unknown_event_type', 'No such event type', { detail: `there is no event type '${name}'`, extensions: { eventTypes: [name] } });
    if (!canRead(principal, type)) {
      throw new HttpProblem('forbidden', 'Not a reader of the event type', { detail: `'${principal.id}' may not read ${name}`, extensions: { eventTypes: [name] } });
    }

    const records = await this.readNewest(type.topicName, last);
    const valid = pattern as Pattern;
    const needsData = referencesField(valid, 'data');
    const events: TestedEvent[] = [];
    for (const record of records) events.push(await this.tryRecord(valid, record, needsData));
    const matched = events.filter((event) => event.matched).length;
    this.deps.logger.debug('pattern tested', { eventType: name, principal: principal.id, examined: events.length, matched });
    return { eventType: name, examined: events.length, matched, events };
  }

  /** How the router would see one record: forged and unreadable ones do not match, with the reason. */
  private async tryRecord(pattern: Pattern, { partition, message }: ReadRecord, needsData: boolean): Promise<TestedEvent> {
    const position = { partition, offset: message.offset };
    const inspection = inspectRecord(message, this.deps.keyring);
    if (!inspection.ok) {
      const { failure } = inspection;
      const described = Object.fromEntries(
        (['id', 'subject', 'time'] as const).flatMap((name) => {
          const value = headerText(message.headers, `ce_${name}`);
          return value === undefined ? [] : [[name, value]];
        }),
      );
      return { ...position, ...described, matched: false, path: failure.code === 'bad_signature' ? 'signature' : '', reason: failure.message };
    }
    const { attributes, data } = inspection;
    const facts = { id: attributes.id, ...(attributes.subject !== undefined ? { subject: attributes.subject } : {}), time: attributes.time };
    let view: object;
    if (needsData) {
      try {
        view = fullView(attributes, await decodeData(this.deps.codec, attributes, data));
      } catch (err) {
        if (!(err instanceof RoutingFailure)) throw err;
        if (err.retriable) throw new HttpProblem('registry_unavailable', 'Schema registry unavailable', { detail: err.message, headers: { 'Retry-After': '1' }, cause: err });
        return { ...position, ...facts, matched: false, path: 'data', reason: err.message };
      }
    } else {
      view = attributesView(attributes);
    }
    const outcome = explain(pattern, view);
    return outcome.matched ? { ...position, ...facts, matched: true } : { ...position, ...facts, matched: false, path: outcome.path, reason: outcome.reason };
  }

  /** The newest `count` committed records of a topic, oldest first (by record timestamp). */
  private async readNewest(topic: string, count: number): Promise<ReadRecord[]> {
    const { kafka, logger } = this.deps;
    const admin = kafka.admin();
    let ranges: PartitionRange[];
    try {
      await admin.connect();
      // The admin client lists offsets read_committed: `high` is where committed records end.
      ranges = newestRanges(await admin.fetchTopicOffsets(topic), count);
    } catch (err) {
      throw kafkaProblem(err);
    } finally {
      await admin.disconnect();
    }
    if (ranges.length === 0) return [];

    const wanted = new Map(ranges.map((range) => [range.partition, range]));
    const pending = new Set(wanted.keys());
    const read = new Map<string, ReadRecord>();
    // A group of its own, never committed to: nothing of it outlives the test but an empty group the broker drops.
    const consumer = kafka.consumer({
      groupId: `herald-router-pattern-test-${randomUUID()}`,
      readUncommitted: false,
      allowAutoTopicCreation: false,
      maxWaitTimeInMs: 250,
      retry: { retries: 2, restartOnFailure: () => Promise.resolve(false) },
    });
    let reached!: () => void;
    let failed!: (err: unknown) => void;
    const done = new Promise<void>((resolve, reject) => {
      reached = resolve;
      failed = reject;
    });
    // A crash before the wait below starts must not count as an unhandled rejection; the wait still sees it.
    done.catch(() => undefined);
    // Each processed batch, also one of nothing but transaction markers or aborted records,
    // says how far the partition has been read: done at the end offset fixed above.
    consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
      const range = wanted.get(payload.partition);
      // A batch from before the seek (starting at or past the end) says nothing about the range.
      if (payload.topic !== topic || !range || BigInt(payload.firstOffset) >= range.end) return;
      if (BigInt(payload.lastOffset) + 1n >= range.end) pending.delete(payload.partition);
      if (pending.size === 0) reached();
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => failed(payload.error));
    try {
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: false });
      await consumer.run({
        autoCommit: false,
        eachMessage: async ({ partition, message }) => {
          const range = wanted.get(partition);
          const offset = BigInt(message.offset);
          if (range && offset >= range.start && offset < range.end) read.set(`${partition}:${message.offset}`, { partition, message });
        },
      });
      // kafkajs takes seeks only once the consumer runs; they apply before its next fetch.
      for (const range of ranges) consumer.seek({ topic, partition: range.partition, offset: range.start.toString() });
      await withTimeout(done, this.timeoutMs, () => {
        return new HttpProblem('kafka_unavailable', 'The events could not be read in time', {
          detail: `read ${read.size} of the newest ${count} events of ${topic} in ${this.timeoutMs} ms; retry later`,
          headers: { 'Retry-After': '1' },
        });
      });
    } catch (err) {
      throw err instanceof HttpProblem ? err : kafkaProblem(err);
    } finally {
      await consumer.disconnect().catch((err: unknown) => logger.warn('pattern test consumer did not disconnect cleanly', { err }));
    }
    return [...read.values()].sort(
      (a, b) => Number(a.message.timestamp) - Number(b.message.timestamp) || a.partition - b.partition || Number(BigInt(a.message.offset) - BigInt(b.message.offset)),
    );
  }
}
