// Follows a topic from its beginning, in order per partition, for state kept in memory
// (registry schemas, event types, subscriptions). It reads committed records only, knows how
// far it has read in every partition, and can wait until it has read everything that was
// committed at a given moment: that is what read-your-writes and "ready" mean for such state.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Admin, Consumer, IHeaders, Kafka } from 'kafkajs';
import type { Logger } from '@herald/runtime';

export interface FollowedRecord {
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: IHeaders;
  timestamp: string;
}

export interface TopicFollowerOptions {
  kafka: Kafka;
  topic: string;
  logger: Logger;
  /** Applied in offset order per partition; a throw stops the follower (state must not skip records). */
  onRecord: (record: FollowedRecord) => void | Promise<void>;
  /** Group id prefix; each follower uses a group of its own and commits nothing. */
  groupIdPrefix: string;
}

interface Waiter {
  partition: number;
  offset: bigint;
  resolve: () => void;
}

export class FollowerStoppedError extends Error {
  override readonly name = 'FollowerStoppedError';
  readonly code = 'follower_stopped';
  readonly retriable = true;
}

export class TopicFollower {
  private readonly consumer: Consumer;
  private readonly admin: Admin;
  /** Next offset to read, per partition. */
  private readonly positions = new Map<number, bigint>();
  private waiters: Waiter[] = [];
  private failure: Error | undefined;
  private running = false;

  constructor(private readonly options: TopicFollowerOptions) {
    const groupId = `${options.groupIdPrefix}-${hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`;
    // A short fetch wait: stopping waits for the fetch in flight, and metadata topics are quiet.
    this.consumer = options.kafka.consumer({ groupId, readUncommitted: false, allowAutoTopicCreation: false, maxWaitTimeInMs: 500 });
    this.admin = options.kafka.admin();
    this.consumer.on(this.consumer.events.END_BATCH_PROCESS, ({ payload }) => {
      if (payload.topic !== options.topic) return;
      this.advance(payload.partition, BigInt(payload.lastOffset) + 1n);
    });
    this.consumer.on(this.consumer.events.CRASH, ({ payload }) => {
      if (payload.restart) return;
      this.fail(payload.error);
    });
  }

  /** Starts following and resolves once everything committed before the call has been applied. */
  async start(timeoutMs = 60_000): Promise<void> {
    await this.admin.connect();
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.options.topic, fromBeginning: true });
    this.running = true;
    await this.consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        await this.options.onRecord({
          partition,
          offset: message.offset,
          key: message.key,
          value: message.value,
          headers: message.headers ?? {},
          timestamp: message.timestamp,
        });
      },
    });
    await this.catchUp(timeoutMs);
  }

  private advance(partition: number, next: bigint): void {
    if ((this.positions.get(partition) ?? -1n) >= next) return;
    this.positions.set(partition, next);
    this.waiters = this.waiters.filter((w) => {
      if (w.partition !== partition || w.offset > next) return true;
      w.resolve();
      return false;
    });
  }

  private fail(error: Error): void {
    this.failure = error;
    this.options.logger.error('topic follower stopped', { topic: this.options.topic, err: error });
    const waiting = this.waiters;
    this.waiters = [];
    for (const w of waiting) w.resolve();
  }

  /** The next offset this follower will read in a partition (0 before it read anything). */
  position(partition: number): bigint {
    return this.positions.get(partition) ?? 0n;
  }

  /** Resolves once the follower has read up to (not including) `offset` in `partition`. */
  async waitFor(partition: number, offset: bigint, timeoutMs = 30_000): Promise<void> {
    this.throwIfFailed();
    if (offset <= 0n || this.position(partition) >= offset) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      new Promise<void>((resolve) => this.waiters.push({ partition, offset, resolve })),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`${this.options.topic}[${partition}] not read up to offset ${offset} within ${timeoutMs} ms (at ${this.position(partition)})`)),
          timeoutMs,
        );
      }),
    ]).finally(() => clearTimeout(timer));
    this.throwIfFailed();
  }

  private throwIfFailed(): void {
    if (this.failure) throw new FollowerStoppedError(`follower of ${this.options.topic} stopped: ${this.failure.message}`, { cause: this.failure });
  }

  /**
   * Waits until every record committed now has been read: the target is each partition's last
   * stable offset (kafkajs lists offsets read_committed), so open transactions are not waited for.
   */
  async catchUp(timeoutMs = 30_000): Promise<void> {
    const ends = await this.admin.fetchTopicOffsets(this.options.topic);
    await Promise.all(ends.map(({ partition, high }) => this.waitFor(partition, BigInt(high), timeoutMs)));
  }

  get healthy(): boolean {
    return this.running && this.failure === undefined;
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.consumer.disconnect();
    await this.admin.disconnect();
  }
}
