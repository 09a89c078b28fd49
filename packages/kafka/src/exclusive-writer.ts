// Writes to a metadata topic (schemas, event types, subscriptions) from several instances
// without races, and without electing a leader.
//
// Every instance that writes a given topic uses one shared Kafka transactional id. Opening a
// producer with it (InitProducerId) bumps the epoch, which fences the previous holder and
// aborts anything it had open, so at any moment at most one instance can commit. Holding the
// role, the writer reads the topic (through its follower) up to the last stable offset, that
// is everything any earlier writer committed; then it decides on complete state, appends in a
// transaction and commits. If another instance took the role in between, the commit fails as
// fenced and the write is retried from fresh state. The role moves to whoever wrote last; the
// price is one InitProducerId round trip when it moves, nothing at the rate metadata changes.
import { Partitioners, type Kafka, type Producer } from 'kafkajs';
import type { Logger } from '@herald/runtime';
import type { TopicFollower } from './follower.js';

export interface LogRecord {
  key: string;
  /** null: a tombstone. */
  value: string | null;
}

/** What a writer decided on complete state: records to append (possibly none) and the answer. */
export interface Decision<T> {
  records: LogRecord[];
  result: T;
}

export interface ExclusiveWriterOptions {
  kafka: Kafka;
  /** A single-partition topic: one order for all its records. */
  topic: string;
  /** Shared by every instance writing the topic: it is what makes them take turns. */
  transactionalId: string;
  /** The instance's follower of the same topic; decisions read the state it maintains. */
  follower: TopicFollower;
  logger: Logger;
  /** Called when a write is retried because another instance took the writer role. */
  onFenced?: () => void;
  /** How long a write may wait for catching up and for its own records to be read back. */
  timeoutMs?: number;
  maxAttempts?: number;
}

export class LogWriteError extends Error {
  override readonly name = 'LogWriteError';
  readonly code = 'log_write_failed';
  readonly retriable = true;
}

const FENCED = new Set(['PRODUCER_FENCED', 'INVALID_PRODUCER_EPOCH', 'INVALID_PRODUCER_ID_MAPPING', 'TRANSACTIONAL_ID_NOT_FOUND']);

/** Whether an error (or one of its causes) says this producer lost the writer role. */
export function isFenced(err: unknown): boolean {
  for (let e = err as { type?: string; cause?: unknown; originalError?: unknown } | undefined, depth = 0; e && depth < 5; depth++) {
    if (e.type && FENCED.has(e.type)) return true;
    e = (e.originalError ?? e.cause) as typeof e;
  }
  return false;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Marks an error thrown by a decision, so it reaches the caller untouched and is not retried. */
class Refused {
  constructor(readonly error: unknown) {}
}

export class ExclusiveWriter {
  private producer: Producer | undefined;
  /** This instance's writes go one at a time; across instances, fencing orders them. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: ExclusiveWriterOptions) {}

  /**
   * Runs `decide` on complete state as the single writer and appends its records; resolves
   * with its result once this instance's follower has applied them (read-your-writes). An
   * error thrown by `decide` is rethrown as is and nothing is written.
   */
  write<T>(decide: () => Decision<T>): Promise<T> {
    const next = this.queue.then(() => this.writeExclusive(decide));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async writeExclusive<T>(decide: () => Decision<T>): Promise<T> {
    const { follower, topic } = this.options;
    const timeoutMs = this.options.timeoutMs ?? 30_000;
    const maxAttempts = this.options.maxAttempts ?? 8;
    for (let attempt = 1; ; attempt++) {
      try {
        const producer = await this.acquire();
        // After fencing the previous writer, everything committed is below the last stable offset.
        await follower.catchUp(timeoutMs);
        let decision: Decision<T>;
        try {
          decision = decide();
        } catch (err) {
          throw new Refused(err);
        }
        if (decision.records.length === 0) return decision.result;
        const tx = await producer.transaction();
        try {
          const written = await tx.send({ topic, acks: -1, messages: decision.records });
          await tx.commit();
          // A metadata topic has one partition, so the records are one batch from baseOffset on.
          const [meta] = written;
          if (meta) await follower.waitFor(meta.partition, BigInt(meta.baseOffset ?? '0') + BigInt(decision.records.length), timeoutMs);
        } catch (err) {
          await tx.abort().catch(() => undefined);
          throw err;
        }
        return decision.result;
      } catch (err) {
        if (err instanceof Refused) throw err.error;
        await this.release();
        // Any Kafka failure is worth another attempt: the next one fences again, reads to the
        // end and decides anew, so a write that did commit before failing is found, not repeated.
        if (attempt < maxAttempts) {
          if (isFenced(err)) {
            this.options.onFenced?.();
            this.options.logger.info('another instance took the writer role; retrying on fresh state', { topic, attempt });
          } else {
            this.options.logger.warn('writing the log failed; retrying on fresh state', { topic, attempt, err });
          }
          await sleep(Math.min(1000, 20 * 2 ** attempt) * (0.5 + Math.random()));
          continue;
        }
        throw new LogWriteError(`could not write to ${topic}: ${(err as Error).message}`, { cause: err });
      }
    }
  }

  private async acquire(): Promise<Producer> {
    if (this.producer) return this.producer;
    const producer = this.options.kafka.producer({
      transactionalId: this.options.transactionalId,
      idempotent: true,
      maxInFlightRequests: 1,
      transactionTimeout: 10_000,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await producer.connect();
    // kafkajs registers the transactional id lazily, at the first transaction. Do it now, with
    // an empty transaction: this is the moment the previous writer is fenced, and it must come
    // before this instance reads the topic to its end.
    await (await producer.transaction()).abort();
    this.producer = producer;
    return producer;
  }

  private async release(): Promise<void> {
    const producer = this.producer;
    this.producer = undefined;
    await producer?.disconnect().catch(() => undefined);
  }

  /** Waits for queued writes, then gives up the writer role. */
  async stop(): Promise<void> {
    await this.queue;
    await this.release();
  }
}
