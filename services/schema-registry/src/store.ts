// The registry's storage: one compacted, single-partition Kafka topic (`_schemas`, as Confluent
// keeps it), replayed into memory at start and followed afterwards.
//
// Several instances may serve the same topic. Reads are answered from each instance's memory
// (eventually consistent, like Confluent's followers). Writes must not race: two instances
// could both hand out id 7 or version 3. Instead of electing a leader, every write goes through
// one Kafka transactional id shared by all instances. Opening a producer with it fences the
// previous holder (its epoch is bumped and its open transaction aborted), so at any moment at
// most one instance can commit. A writer that takes the role first reads the topic to its end,
// then decides (ids, versions, compatibility) on complete state and commits; if another
// instance took the role in the meantime, the commit fails as fenced and the write is retried
// from fresh state. The role simply moves to whichever instance wrote last.
import type { Kafka, Producer } from 'kafkajs';
import { Partitioners } from 'kafkajs';
import { TopicFollower, ensureTopic } from '@herald/kafka';
import type { Logger } from '@herald/runtime';
import { RegistryError } from './errors.js';
import type { RegistryMetrics } from './metrics.js';
import { RegistryState, type Mutation } from './state.js';
import type { CompatibilityLevel } from './compatibility.js';

export interface RegistryStoreOptions {
  kafka: Kafka;
  logger: Logger;
  metrics: RegistryMetrics;
  topic: string;
  /** Default: 3, or the broker count when smaller. */
  replicationFactor?: number;
  /** Shared by every instance serving the topic: it is what makes them take turns. */
  transactionalId: string;
  defaultCompatibility: CompatibilityLevel;
  /** How long a write may wait for its own records to be read back. */
  writeTimeoutMs?: number;
}

const FENCED = new Set(['PRODUCER_FENCED', 'INVALID_PRODUCER_EPOCH', 'INVALID_PRODUCER_ID_MAPPING', 'TRANSACTIONAL_ID_NOT_FOUND']);

/** Whether an error (or one of its causes) says this producer lost the writer role. */
function isFenced(err: unknown): boolean {
  for (let e = err as { type?: string; cause?: unknown; originalError?: unknown } | undefined, depth = 0; e && depth < 5; depth++) {
    if (e.type && FENCED.has(e.type)) return true;
    e = (e.originalError ?? e.cause) as typeof e;
  }
  return false;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class RegistryStore {
  readonly state: RegistryState;
  private readonly follower: TopicFollower;
  private writer: Producer | undefined;
  /** Writes of this instance go one at a time; across instances, fencing orders them. */
  private queue: Promise<unknown> = Promise.resolve();
  private ready = false;

  constructor(private readonly options: RegistryStoreOptions) {
    this.state = new RegistryState(options.defaultCompatibility);
    this.follower = new TopicFollower({
      kafka: options.kafka,
      topic: options.topic,
      logger: options.logger,
      groupIdPrefix: 'herald-schema-registry',
      onRecord: ({ key, value, offset }) => {
        const applied = this.applyRaw(key, value);
        if (!applied) options.logger.warn('skipped an unreadable record', { topic: options.topic, offset });
        options.metrics.recordApplied(applied);
      },
    });
  }

  private applyRaw(key: Buffer | null, value: Buffer | null): boolean {
    if (!key) return false;
    try {
      return this.state.apply(JSON.parse(key.toString('utf8')), value === null ? null : JSON.parse(value.toString('utf8')));
    } catch {
      return false;
    }
  }

  /** Creates the topic if needed and replays it; resolves when the state is complete. */
  async start(): Promise<void> {
    const admin = this.options.kafka.admin();
    await admin.connect();
    try {
      await ensureTopic(admin, {
        topic: this.options.topic,
        partitions: 1,
        ...(this.options.replicationFactor !== undefined ? { replicationFactor: this.options.replicationFactor } : {}),
        configs: { 'cleanup.policy': 'compact' },
        require: { partitions: true, configs: ['cleanup.policy'] },
      });
    } finally {
      await admin.disconnect();
    }
    const started = Date.now();
    await this.follower.start();
    this.ready = true;
    this.options.logger.info('schemas loaded', { topic: this.options.topic, ms: Date.now() - started, ...this.state.size() });
  }

  get isReady(): boolean {
    return this.ready && this.follower.healthy;
  }

  /**
   * Runs a command against complete state as the single writer and appends its records;
   * resolves with its result once this instance has read them back (read-your-writes).
   */
  write<T>(command: (state: RegistryState) => Mutation<T>): Promise<T> {
    const next = this.queue.then(() => this.writeExclusive(command));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async writeExclusive<T>(command: (state: RegistryState) => Mutation<T>, maxAttempts = 8): Promise<T> {
    const timeoutMs = this.options.writeTimeoutMs ?? 30_000;
    for (let attempt = 1; ; attempt++) {
      const writer = await this.acquireWriter();
      try {
        // After fencing the previous writer, everything committed is below the last stable offset.
        await this.follower.catchUp(timeoutMs);
        const { records, result } = command(this.state);
        if (records.length === 0) return result;
        const tx = await writer.transaction();
        try {
          const [meta] = await tx.send({
            topic: this.options.topic,
            acks: -1,
            messages: records.map((r) => ({ key: JSON.stringify(r.key), value: r.value === null ? null : JSON.stringify(r.value) })),
          });
          await tx.commit();
          const last = BigInt(meta?.baseOffset ?? '0') + BigInt(records.length - 1);
          await this.follower.waitFor(0, last + 1n, timeoutMs);
        } catch (err) {
          await tx.abort().catch(() => undefined);
          throw err;
        }
        this.options.metrics.written(records.length);
        return result;
      } catch (err) {
        if (err instanceof RegistryError) throw err;
        await this.dropWriter();
        if (isFenced(err) && attempt < maxAttempts) {
          this.options.metrics.fenced();
          this.options.logger.info('another instance took the writer role; retrying on fresh state', { attempt });
          await sleep(Math.min(1000, 20 * 2 ** attempt) * (0.5 + Math.random()));
          continue;
        }
        throw new RegistryError('store_error', `Error while writing to the schema topic: ${(err as Error).message}`, { cause: err });
      }
    }
  }

  private async acquireWriter(): Promise<Producer> {
    if (this.writer) return this.writer;
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
    this.writer = producer;
    return producer;
  }

  private async dropWriter(): Promise<void> {
    const writer = this.writer;
    this.writer = undefined;
    await writer?.disconnect().catch(() => undefined);
  }

  async stop(): Promise<void> {
    this.ready = false;
    await this.queue;
    await this.dropWriter();
    await this.follower.stop();
  }
}
