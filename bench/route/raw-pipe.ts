// The baseline: a raw kafkajs consume → produce pipe with the router's transactions and none of
// its work. Same consumer settings (group, read_committed, fetch size, partitions consumed at
// once), a transactional producer per input partition set up as the router's, and per fetched
// batch one transaction that writes the batch's records (key, value, headers, timestamp) to the
// output topic and commits the consumed offset. No signature check, no decoding, no matching.
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage, Producer } from 'kafkajs';
import type { Teardown } from '../lib/teardown.js';

/** The router's bounds on one transaction (services/router/src/routing/router.ts). */
const MAX_TRANSACTION_BYTES = 512 * 1024;
const MAX_TRANSACTION_RECORDS = 5000;

export interface RawPipeOptions {
  kafka: Kafka;
  groupId: string;
  input: string;
  output: string;
  partitionsConcurrency: number;
  maxBytesPerPartition: number;
}

function sizeOf(message: KafkaMessage): number {
  let size = (message.key?.length ?? 0) + (message.value?.length ?? 0);
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    size += name.length;
    if (typeof value === 'string' || Buffer.isBuffer(value)) size += value.length;
    else if (Array.isArray(value)) for (const v of value) size += v.length;
  }
  return size;
}

export class RawPipe {
  private readonly producers = new Map<number, Promise<Producer>>();
  private consumer: Consumer | undefined;

  constructor(private readonly options: RawPipeOptions) {}

  /** Joins the group and starts piping from the beginning of the input. */
  async start(teardown: Teardown): Promise<void> {
    const { options } = this;
    const consumer = options.kafka.consumer({
      groupId: options.groupId,
      readUncommitted: false,
      allowAutoTopicCreation: false,
      maxBytesPerPartition: options.maxBytesPerPartition,
      maxWaitTimeInMs: 1000,
      sessionTimeout: 30_000,
      heartbeatInterval: 3000,
    });
    this.consumer = consumer;
    teardown.add('raw pipe', () => this.stop());
    await consumer.connect();
    await consumer.subscribe({ topics: [options.input], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: options.partitionsConcurrency,
      eachBatch: (payload) => this.pipe(payload),
    });
  }

  /** The partition's producer, its transactional id tied to the partition and initialised (the router's fence). */
  private producerOf(partition: number): Promise<Producer> {
    let producer = this.producers.get(partition);
    if (!producer) {
      producer = (async () => {
        const p = this.options.kafka.producer({
          transactionalId: `${this.options.groupId}.${this.options.input}.${partition}`,
          idempotent: true,
          maxInFlightRequests: 1,
          transactionTimeout: 60_000,
          retry: { retries: 5, initialRetryTime: 50, maxRetryTime: 2000 },
        });
        await p.connect();
        await (await p.transaction()).abort();
        return p;
      })();
      this.producers.set(partition, producer);
    }
    return producer;
  }

  private async pipe({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    const producer = await this.producerOf(batch.partition);
    const { messages } = batch;
    let i = 0;
    while (i < messages.length && isRunning() && !isStale()) {
      const start = i;
      let bytes = 0;
      while (i < messages.length && bytes < MAX_TRANSACTION_BYTES && i - start < MAX_TRANSACTION_RECORDS) bytes += sizeOf(messages[i++]!);
      const last = messages[i - 1]!;
      const transaction = await producer.transaction();
      try {
        await transaction.sendBatch({
          topicMessages: [{ topic: this.options.output, messages: messages.slice(start, i).map((m) => ({ key: m.key, value: m.value, headers: m.headers ?? {}, timestamp: m.timestamp })) }],
          acks: -1,
        });
        await transaction.sendOffsets({
          consumerGroupId: this.options.groupId,
          topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: String(BigInt(last.offset) + 1n) }] }],
        });
        await transaction.commit();
      } catch (error) {
        await transaction.abort().catch(() => undefined);
        throw error;
      }
      resolveOffset(last.offset);
      await heartbeat();
    }
  }

  async stop(): Promise<void> {
    const consumer = this.consumer;
    this.consumer = undefined;
    await consumer?.disconnect();
    const producers = [...this.producers.values()];
    this.producers.clear();
    // A producer that failed to start has nothing to disconnect; its error surfaced in the batch.
    await Promise.all(producers.map((p) => p.then((producer) => producer.disconnect()).catch(() => undefined)));
  }
}
