// One input partition as the instance that owns it routes it: a transactional producer whose id
// is tied to the partition, the next offset to route, and the subscriptions held back on it.
//
// Why a producer per partition: kafkajs's sendOffsets does not carry the consumer group's
// generation (KIP-447), so the group coordinator cannot fence a zombie that lost the partition
// in a rebalance. Tying the transactional id to the partition does: whoever takes the partition
// over initialises the same id, which aborts the zombie's open transaction and fences its
// producer. Then it reads the committed offset afresh — after the fence, so it sees every
// transaction the zombie committed — and skips records below it: a rebalance cannot duplicate
// output even when kafkajs fetched from an older offset.
//
// The committed offset's metadata holds the held-back subscriptions ({"blocked": {name:
// offset}}), so they travel with the offset, in the same transaction, to the next owner.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Admin, Kafka, Producer, TopicMessages } from 'kafkajs';
import { isFenced } from '@herald/kafka';
import type { Logger } from '@herald/runtime';
import type { OutputMessage } from './headers.js';

/** offset.metadata.max.bytes defaults to 4096; stay under it with room to spare. */
export const MAX_OFFSET_METADATA_BYTES = 3500;

export class FencedError extends Error {
  override readonly name = 'FencedError';
}

export interface PartitionRouteOptions {
  kafka: Kafka;
  admin: Admin;
  logger: Logger;
  groupId: string;
  topic: string;
  partition: number;
  onTransaction: (outcome: 'committed' | 'aborted' | 'fenced', seconds: number) => void;
}

/** Runs one async function at a time, in call order. */
class Mutex {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn);
    this.tail = result.catch(() => undefined);
    return result;
  }
}


export class PartitionRoute {
  readonly topic: string;
  readonly partition: number;
  private producer: Producer | undefined;
  /** Next offset to route; undefined before the first batch when the group has no offset yet. */
  next: bigint | undefined;
  /** Subscription → first offset not yet delivered to it (it is held back from there). */
  blocked = new Map<string, bigint>();
  /** For lag: the partition's end as last fetched, and since when records have been waiting. */
  highWatermark = 0n;
  waitingSince: number | undefined;
  private readonly mutex = new Mutex();
  private closed = false;

  constructor(private readonly options: PartitionRouteOptions) {
    this.topic = options.topic;
    this.partition = options.partition;
  }

  get transactionalId(): string {
    return `${this.options.groupId}.${this.topic}.${this.partition}`;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Everything that reads or changes this partition's state or writes for it goes through here. */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    return this.mutex.run(fn);
  }

  get ready(): boolean {
    return this.producer !== undefined;
  }

  /**
   * Takes the partition's transactional id (fencing any previous owner and completing its open
   * transaction), then reads the committed offset and the held-back subscriptions. Call inside
   * `exclusive`. Returns the subscriptions found held back.
   */
  async takeOver(): Promise<Map<string, bigint>> {
    const producer = this.options.kafka.producer({
      transactionalId: this.transactionalId,
      idempotent: true,
      maxInFlightRequests: 1,
      transactionTimeout: 60_000,
      retry: { retries: 5, initialRetryTime: 50, maxRetryTime: 2000 },
    });
    let committed: Awaited<ReturnType<Admin['fetchOffsets']>>[number] | undefined;
    try {
      await producer.connect();
      // kafkajs registers the transactional id at the first transaction: this is the fence.
      await (await producer.transaction()).abort();
      // Read after the fence: every transaction of the previous owner is complete by now.
      [committed] = await this.options.admin.fetchOffsets({ groupId: this.options.groupId, topics: [this.topic] });
    } catch (error) {
      await producer.disconnect().catch(() => undefined);
      throw error;
    }
    const mine = committed?.partitions.find((p) => p.partition === this.partition);
    const offset = mine ? BigInt(mine.offset) : -1n;
    this.next = offset >= 0n ? offset : undefined;
    this.blocked = parseMetadata(mine?.metadata ?? null);
    this.producer = producer;
    this.options.logger.debug('took over partition', { topic: this.topic, partition: this.partition, next: String(this.next ?? 'start'), blocked: this.blocked.size });
    return new Map(this.blocked);
  }

  /**
   * Writes `outputs` and commits `nextOffset` (with the held-back subscriptions) in one
   * transaction. Retries what Kafka may accept later; throws FencedError when another owner
   * took the partition (the producer is then dropped and must be taken over again).
   */
  async commit(outputs: Map<string, OutputMessage[]>, nextOffset: bigint, shouldContinue: () => boolean): Promise<void> {
    const metadata = formatMetadata(this.blocked);
    for (let attempt = 1; ; attempt++) {
      const producer = this.producer;
      if (!producer) throw new FencedError(`${this.topic}[${this.partition}] has no producer`);
      const started = performance.now();
      const transaction = await producer.transaction();
      try {
        if (outputs.size > 0) {
          const topicMessages: TopicMessages[] = [...outputs].map(([topic, messages]) => ({ topic, messages }));
          await transaction.sendBatch({ topicMessages, acks: -1 });
        }
        await transaction.sendOffsets({
          consumerGroupId: this.options.groupId,
          topics: [{ topic: this.topic, partitions: [{ partition: this.partition, offset: String(nextOffset), metadata } as { partition: number; offset: string }] }],
        });
        await transaction.commit();
        this.options.onTransaction('committed', (performance.now() - started) / 1000);
        this.next = nextOffset;
        return;
      } catch (error) {
        await transaction.abort().catch(() => undefined);
        if (isFenced(error)) {
          this.options.onTransaction('fenced', (performance.now() - started) / 1000);
          await this.dropProducer();
          throw new FencedError(`${this.transactionalId} was fenced: another instance owns ${this.topic}[${this.partition}] now`, { cause: error });
        }
        this.options.onTransaction('aborted', (performance.now() - started) / 1000);
        if (!shouldContinue()) throw error;
        const wait = Math.min(5000, 100 * 2 ** Math.min(attempt, 6));
        this.options.logger.warn('routing transaction failed; retrying', { topic: this.topic, partition: this.partition, attempt, waitMs: wait, err: error });
        await sleep(wait);
        // A producer that keeps failing may be stuck in a bad state: drop it, and let the caller
        // route the batch again after a fresh take-over (which re-reads the committed offset).
        if (attempt % 5 === 0) {
          await this.dropProducer();
          throw new FencedError(`${this.transactionalId}: ${attempt} transactions failed; taking the partition over again`, { cause: error });
        }
      }
    }
  }

  private async dropProducer(): Promise<void> {
    const producer = this.producer;
    this.producer = undefined;
    await producer?.disconnect().catch(() => undefined);
  }

  /** Gives the partition up (it was revoked, or the router stops). */
  async close(): Promise<void> {
    this.closed = true;
    await this.exclusive(() => this.dropProducer());
  }
}

export function formatMetadata(blocked: ReadonlyMap<string, bigint>): string | null {
  if (blocked.size === 0) return null;
  return JSON.stringify({ blocked: Object.fromEntries([...blocked].map(([name, offset]) => [name, String(offset)])) });
}

export function parseMetadata(metadata: string | null): Map<string, bigint> {
  const blocked = new Map<string, bigint>();
  if (!metadata) return blocked;
  try {
    const parsed = JSON.parse(metadata) as { blocked?: Record<string, string> };
    for (const [name, offset] of Object.entries(parsed.blocked ?? {})) blocked.set(name, BigInt(offset));
  } catch {
    // Not ours (another tool committed for this group): nothing is held back.
  }
  return blocked;
}
