// Writes prepared records to Kafka and says where they landed.
//
// Two kinds of lanes. A request whose records all go to one partition is atomic as it is: a
// partition's records in one produce request form one record batch, appended whole or not at
// all; it takes the idempotent lane. A request that spans partitions needs a transaction to
// be all or nothing; it takes a transactional lane. Each lane sends one request at a time and
// gathers what arrives meanwhile into the next one (group commit): under load, many HTTP
// requests share one produce request or one transaction, and an idle lane adds no delay.
//
// Kafka trouble must not hang requests: a write that is not acknowledged in time is answered
// as unavailable, and so is everything after it until a probe finds Kafka again (a breaker).
// A lane whose send fails replaces its producer and reconnects in the background, so that the
// requests after the outage find a connected producer rather than pay for a cold start.
import { CompressionTypes, Partitioners, type Kafka, type Message, type Producer, type RecordMetadata, type TopicMessages } from 'kafkajs';
import type { Logger } from '@herald/runtime';

export interface OutgoingRecord {
  topic: string;
  partition: number;
  key: string;
  value: Buffer;
  headers: Record<string, string>;
  /** Approximate size on the wire (key, value, headers), for flush sizing. */
  bytes: number;
}

export interface Position {
  partition: number;
  offset: string;
}

export class KafkaUnavailableError extends Error {
  override readonly name = 'KafkaUnavailableError';
  readonly code = 'kafka_unavailable';
  readonly retriable = true;
}

/** Kafka refused a record batch as too large for the topic (max.message.bytes). */
export class RecordTooLargeError extends Error {
  override readonly name = 'RecordTooLargeError';
  readonly code = 'record_too_large';
  readonly retriable = false;
}

export interface EventWriterOptions {
  kafka: Kafka;
  /** Probes Kafka (a metadata request without retries); used to close the breaker. */
  probe: () => Promise<void>;
  logger: Logger;
  /** Unique per process: the transactional lanes' ids derive from it. */
  instanceId: string;
  transactionalLanes: number;
  compression: 'none' | 'gzip';
  ackTimeoutMs: number;
  /** Most bytes gathered into one send (a single larger request still goes alone). */
  maxFlushBytes?: number;
  onKafkaError?: (error: Error) => void;
}

interface Pending {
  records: OutgoingRecord[];
  bytes: number;
  resolve: (positions: Position[]) => void;
  reject: (error: Error) => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function isTooLarge(err: unknown): boolean {
  for (let e = err as { type?: string; cause?: unknown; originalError?: unknown } | undefined, depth = 0; e && depth < 5; depth++) {
    if (e.type === 'MESSAGE_TOO_LARGE' || e.type === 'RECORD_LIST_TOO_LARGE') return true;
    e = (e.originalError ?? e.cause) as typeof e;
  }
  return false;
}

/** Where each record of a send landed: per partition, offsets follow the records' order from the batch's base. */
function positionsOf(records: OutgoingRecord[], metadata: RecordMetadata[]): Position[] {
  const base = new Map(metadata.map((m) => [`${m.topicName}\u0000${m.partition}`, BigInt(m.baseOffset ?? '-1')]));
  const seen = new Map<string, bigint>();
  return records.map((r) => {
    const tp = `${r.topic}\u0000${r.partition}`;
    const index = seen.get(tp) ?? 0n;
    seen.set(tp, index + 1n);
    const start = base.get(tp);
    if (start === undefined || start < 0n) throw new Error(`Kafka returned no offset for ${r.topic}[${r.partition}]`);
    return { partition: r.partition, offset: (start + index).toString() };
  });
}

/** Throws unless Kafka acknowledged every partition the messages went to. */
function assertComplete(messages: TopicMessages[], metadata: RecordMetadata[]): void {
  const acknowledged = new Set(metadata.map((m) => `${m.topicName}\u0000${m.partition}`));
  for (const { topic, messages: list } of messages) {
    for (const m of list) {
      if (!acknowledged.has(`${topic}\u0000${m.partition}`)) throw new Error(`Kafka acknowledged no write to ${topic}[${m.partition}]`);
    }
  }
}

function topicMessages(records: OutgoingRecord[]): TopicMessages[] {
  const byTopic = new Map<string, Message[]>();
  for (const r of records) {
    let messages = byTopic.get(r.topic);
    if (!messages) byTopic.set(r.topic, (messages = []));
    messages.push({ key: r.key, value: r.value, headers: r.headers, partition: r.partition });
  }
  return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
}

/** One producer sending one request at a time, gathering what queues meanwhile. */
class Lane {
  private queue: Pending[] = [];
  private flushing = false;
  /** The producer, connected (and for transactions, registered) or on its way there. */
  private producer: Promise<Producer> | undefined;
  private closed = false;

  constructor(
    private readonly makeProducer: () => Producer,
    /** What a fresh producer must do before its first send (a transactional one registers its id). */
    private readonly prepare: (producer: Producer) => Promise<void>,
    private readonly send: (producer: Producer, messages: TopicMessages[]) => Promise<RecordMetadata[]>,
    private readonly maxFlushBytes: number,
    private readonly onFailure: (error: Error) => void,
  ) {}

  private connected(): Promise<Producer> {
    this.producer ??= (async () => {
      const producer = this.makeProducer();
      try {
        await producer.connect();
        await this.prepare(producer);
        return producer;
      } catch (err) {
        await producer.disconnect().catch(() => undefined);
        throw err;
      }
    })();
    const attempt = this.producer;
    attempt.catch(() => {
      if (this.producer === attempt) this.producer = undefined;
    });
    return attempt;
  }

  /** Connects ahead of the first send, so no request pays for it. */
  async warm(): Promise<void> {
    await this.connected();
  }

  submit(records: OutgoingRecord[]): Promise<Position[]> {
    return new Promise((resolve, reject) => {
      this.queue.push({ records, bytes: records.reduce((n, r) => n + r.bytes, 0), resolve, reject });
      if (!this.flushing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    while (this.queue.length > 0) {
      const batch: Pending[] = [];
      let bytes = 0;
      while (this.queue.length > 0 && (batch.length === 0 || bytes + this.queue[0]!.bytes <= this.maxFlushBytes)) {
        const next = this.queue.shift()!;
        bytes += next.bytes;
        batch.push(next);
      }
      const records = batch.flatMap((p) => p.records);
      try {
        const metadata = await this.send(await this.connected(), topicMessages(records));
        let at = 0;
        const positions = positionsOf(records, metadata);
        for (const p of batch) {
          p.resolve(positions.slice(at, at + p.records.length));
          at += p.records.length;
        }
      } catch (err) {
        const error = err as Error;
        const tooLarge = isTooLarge(err);
        for (const p of batch) p.reject(tooLarge ? new RecordTooLargeError(`Kafka refused the batch as too large: ${error.message}`, { cause: err }) : error);
        if (!tooLarge) {
          this.onFailure(error);
          // A producer that failed a send may hold a half-done transaction or stale sequence
          // numbers: start over with a new one (a new producer id), connecting in the background.
          await this.reset();
          if (!this.closed) this.warm().catch(() => undefined);
        }
      }
    }
    this.flushing = false;
  }

  private async reset(): Promise<void> {
    const producer = this.producer;
    this.producer = undefined;
    await producer?.then((p) => p.disconnect()).catch(() => undefined);
  }

  /** Lets what is queued finish (for up to `graceMs`), then disconnects. */
  async close(graceMs = 10_000): Promise<void> {
    this.closed = true;
    const deadline = Date.now() + graceMs;
    while ((this.flushing || this.queue.length > 0) && Date.now() < deadline) await sleep(10);
    await this.reset();
  }
}

export class EventWriter {
  private readonly idempotent: Lane;
  private readonly transactional: Lane[];
  private nextTransactional = 0;
  private available = true;
  private probing: Promise<void> | undefined;
  private closed = false;

  constructor(private readonly options: EventWriterOptions) {
    const { kafka } = options;
    const compression = options.compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None;
    const maxFlushBytes = options.maxFlushBytes ?? 900_000;
    const failed = (error: Error) => this.trip(error);
    // Bounded retries: a send to a dead broker fails in seconds (and the lane starts over with a
    // new producer), instead of retrying forever behind requests that were long answered 503.
    // A short first backoff matters for transactions: the next AddPartitionsToTxn is often
    // answered CONCURRENT_TRANSACTIONS while the previous commit completes (the Java client
    // retries it after 20 ms too); at 100 ms, batches of 10 ran at 60% of the rate (bench/publish).
    const retry = { retries: 7, initialRetryTime: 20, maxRetryTime: 2000 };
    this.idempotent = new Lane(
      () => kafka.producer({ idempotent: true, maxInFlightRequests: 1, retry, createPartitioner: Partitioners.DefaultPartitioner }),
      async () => undefined,
      (producer, messages) => producer.sendBatch({ topicMessages: messages, acks: -1, compression }),
      maxFlushBytes,
      failed,
    );
    this.transactional = Array.from(
      { length: options.transactionalLanes },
      (_, i) =>
        new Lane(
          () =>
            kafka.producer({
              transactionalId: `herald-publisher-${options.instanceId}-${i}`,
              idempotent: true,
              maxInFlightRequests: 1,
              transactionTimeout: 30_000,
              retry,
              createPartitioner: Partitioners.DefaultPartitioner,
            }),
          // kafkajs registers the transactional id at the first transaction; do it before any request waits.
          async (producer) => (await producer.transaction()).abort(),
          async (producer, messages) => {
            const tx = await producer.transaction();
            try {
              const metadata = await tx.sendBatch({ topicMessages: messages, acks: -1, compression });
              // kafkajs, retrying a send across a leader change, can skip a partition whose new
              // leader already answered for others; never commit a transaction missing a partition.
              assertComplete(messages, metadata);
              await tx.commit();
              return metadata;
            } catch (err) {
              await tx.abort().catch(() => undefined);
              throw err;
            }
          },
          maxFlushBytes,
          failed,
        ),
    );
  }

  /** Connects every lane's producer. */
  async start(): Promise<void> {
    await Promise.all([this.idempotent, ...this.transactional].map((lane) => lane.warm()));
  }

  get isAvailable(): boolean {
    return this.available;
  }

  /**
   * Writes records all or nothing. `acked` resolves with each record's position once Kafka has
   * acknowledged, and rejects with KafkaUnavailableError at once while the breaker is open, or
   * when the acknowledgement does not come in time. `settled` never rejects: it resolves with
   * the positions if the records were written at all (even after `acked` gave up), else undefined.
   */
  write(records: OutgoingRecord[]): { acked: Promise<Position[]>; settled: Promise<Position[] | undefined> } {
    if (!this.available) {
      return { acked: Promise.reject(new KafkaUnavailableError('Kafka is unavailable')), settled: Promise.resolve(undefined) };
    }
    const partitions = new Set(records.map((r) => `${r.topic}\u0000${r.partition}`));
    const lane = partitions.size === 1 ? this.idempotent : this.transactional[this.nextTransactional++ % this.transactional.length]!;
    const written = lane.submit(records);
    const settled = written.then(
      (positions) => positions,
      () => undefined,
    );
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.trip(new Error(`no acknowledgement within ${this.options.ackTimeoutMs} ms`));
        reject(new KafkaUnavailableError(`Kafka did not acknowledge within ${this.options.ackTimeoutMs} ms`));
      }, this.options.ackTimeoutMs);
    });
    const acked = Promise.race([written, timeout]).then(
      (positions) => {
        clearTimeout(timer);
        return positions;
      },
      (err: unknown) => {
        clearTimeout(timer);
        if (err instanceof KafkaUnavailableError || err instanceof RecordTooLargeError) throw err;
        throw new KafkaUnavailableError(`Kafka did not take the write: ${(err as Error).message}`, { cause: err });
      },
    );
    return { acked, settled };
  }

  /** Opens the breaker and probes until Kafka answers again. */
  private trip(error: Error): void {
    this.options.onKafkaError?.(error);
    if (!this.available) return;
    this.available = false;
    this.options.logger.warn('Kafka unavailable: refusing publishes until it answers again', { err: error });
    this.probing ??= (async () => {
      while (!this.closed) {
        await sleep(500);
        try {
          await this.options.probe();
          break;
        } catch {
          // still down
        }
      }
      this.available = true;
      this.probing = undefined;
      this.options.logger.info('Kafka available again');
    })();
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([this.idempotent, ...this.transactional].map((lane) => lane.close()));
  }
}
