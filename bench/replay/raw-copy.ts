// The baseline of a replay into a topic: a raw kafkajs copy of one topic into another with the
// replay's reading and transactions and none of its work. A read_committed consumer reads the
// input from the beginning, one partition's batch at a time, up to the end offsets fixed when it
// starts; one transactional producer writes every record unchanged (key, value, headers,
// timestamp) in transactions of at most 512 KiB or 5,000 records, counted and filled as the
// replay fills its own. A transaction holds the records only: no signature check, no added
// headers, and no progress (the replay commits a checkpoint record with each; the copy has
// nothing to resume, so it leaves that out).
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Kafka, logLevel, type Admin, type KafkaMessage, type Message, type Producer } from 'kafkajs';
import type { Teardown } from '../lib/teardown.js';

/** The replay's bounds on a transaction to a topic (services/replay/src/sinks/topic.ts). */
export const MAX_TRANSACTION_BYTES = 512 * 1024;
export const MAX_TRANSACTION_RECORDS = 5000;

export interface RawCopyOptions {
  brokers: string[];
  admin: Admin;
  input: string;
  output: string;
  /** The replay's default fetch size per partition (HERALD_REPLAY_MAX_BYTES_PER_PARTITION). */
  maxBytesPerPartition: number;
  /** The first offset per partition (a warm-up copies the last few records); default the beginning. */
  from?: Map<number, bigint>;
  /** kafkajs's first retry delay of the producer; the replay's job producer waits 20 ms. */
  retryMs: number;
}

export interface RawCopyResult {
  records: number;
  transactions: number;
  /** From creating the clients to the last commit. */
  seconds: number;
  /** Produce requests retried because the broker had not finished the previous commit (CONCURRENT_TRANSACTIONS). */
  transactionRetries: number;
}

/** What kafkajs logs when it retries a produce request the broker refused with CONCURRENT_TRANSACTIONS. */
export const CONCURRENT_TRANSACTIONS_MESSAGE = 'another concurrent operation on the same transaction';

/**
 * A record's size as the replay counts it against MAX_TRANSACTION_BYTES (services/replay/src/jobs/
 * run.ts, Buffered.add): key and value, and 400 bytes for the headers and the rest. Counted the
 * same way, both sides write the same number of transactions.
 */
function sizeOf(message: KafkaMessage): number {
  return (message.key?.length ?? 0) + (message.value?.length ?? 0) + 400;
}

/** Copies the input as it is now into the output, once; resolves when the last transaction is committed. */
export async function rawCopy(teardown: Teardown, options: RawCopyOptions): Promise<RawCopyResult> {
  const startedAt = performance.now();
  const { input, output } = options;
  let transactionRetries = 0;
  // Its own client, quiet but for counting the retries kafkajs logs as errors.
  const kafka = new Kafka({
    clientId: 'bench-raw-copy',
    brokers: options.brokers,
    logLevel: logLevel.ERROR,
    logCreator: () => (entry) => {
      if (entry.log.message.includes(CONCURRENT_TRANSACTIONS_MESSAGE)) transactionRetries++;
    },
  });
  const id = `bench-raw-copy.${randomBytes(4).toString('hex')}`;
  const ends = new Map((await options.admin.fetchTopicOffsets(input)).map((p) => [p.partition, BigInt(p.high)]));
  /** Next offset to read per partition. */
  const positions = new Map([...ends.keys()].map((partition) => [partition, options.from?.get(partition) ?? 0n]));
  const remaining = new Set([...ends].filter(([partition, end]) => positions.get(partition)! < end).map(([partition]) => partition));

  const consumer = kafka.consumer({ groupId: id, readUncommitted: false, allowAutoTopicCreation: false, maxBytesPerPartition: options.maxBytesPerPartition, maxWaitTimeInMs: 500 });
  const producer: Producer = kafka.producer({
    transactionalId: id,
    idempotent: true,
    maxInFlightRequests: 1,
    transactionTimeout: 60_000,
    retry: { retries: 8, initialRetryTime: options.retryMs, maxRetryTime: 2000 },
  });
  const disconnect = async () => {
    await consumer.disconnect().catch(() => undefined);
    await producer.disconnect().catch(() => undefined);
  };
  teardown.add('raw copy', disconnect);

  let pending: Message[] = [];
  let pendingBytes = 0;
  let records = 0;
  let transactions = 0;
  const flush = async () => {
    if (pending.length === 0) return;
    const messages = pending;
    pending = [];
    pendingBytes = 0;
    const transaction = await producer.transaction();
    try {
      await transaction.sendBatch({ topicMessages: [{ topic: output, messages }], acks: -1 });
      await transaction.commit();
    } catch (error) {
      await transaction.abort().catch(() => undefined);
      throw error;
    }
    records += messages.length;
    transactions++;
  };

  try {
    await producer.connect();
    // The first transaction registers the transactional id, as the replay's job does first.
    await (await producer.transaction()).abort();
    await consumer.connect();
    await consumer.subscribe({ topics: [input], fromBeginning: true });
    let failure: unknown;
    let allRead!: () => void;
    const done = new Promise<void>((resolve) => (allRead = resolve));
    if (remaining.size === 0) allRead();
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch, heartbeat }) => {
        try {
          const end = ends.get(batch.partition) ?? 0n;
          for (const message of batch.messages) {
            const offset = BigInt(message.offset);
            // A fetch made before the seek below took effect.
            if (offset < positions.get(batch.partition)!) continue;
            if (offset >= end) break;
            const size = sizeOf(message);
            if (pending.length >= MAX_TRANSACTION_RECORDS || (pending.length > 0 && pendingBytes + size > MAX_TRANSACTION_BYTES)) await flush();
            pending.push({ key: message.key, value: message.value, headers: message.headers ?? {}, timestamp: message.timestamp });
            pendingBytes += size;
            positions.set(batch.partition, offset + 1n);
          }
          if (positions.get(batch.partition)! >= end && remaining.delete(batch.partition)) {
            consumer.pause([{ topic: input, partitions: [batch.partition] }]);
            if (remaining.size === 0) {
              await flush();
              allRead();
            }
          }
          await heartbeat();
        } catch (error) {
          failure ??= error;
          allRead();
        }
      },
    });
    if (options.from) for (const [partition, offset] of positions) consumer.seek({ topic: input, partition, offset: String(offset) });
    await done;
    if (failure !== undefined) throw failure;
    return { records, transactions, seconds: (performance.now() - startedAt) / 1000, transactionRetries };
  } finally {
    await disconnect();
  }
}
