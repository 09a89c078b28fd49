// Test helpers for the real broker: where it is, unique topic names, clients that are
// disconnected when the test ends, and a bounded "read n records" consumer.
import { randomBytes } from 'node:crypto';
import type { TestContext } from 'node:test';
import { Kafka, logLevel, type KafkaMessage } from 'kafkajs';
import { waitForLeaders } from '@herald/kafka';
import { LocalKafka } from '@herald/local-kafka';

let brokers: Promise<string[]> | undefined;

const cleanups = new WeakMap<TestContext, Array<() => unknown>>();

/**
 * Registers cleanup for the end of the test, run last-registered-first (node:test runs its
 * `after` hooks in registration order): clients close before the topics and brokers they use.
 */
export function cleanup(t: TestContext, fn: () => unknown): void {
  let stack = cleanups.get(t);
  if (!stack) {
    const created: Array<() => unknown> = [];
    cleanups.set(t, (stack = created));
    t.after(async () => {
      const failures: unknown[] = [];
      for (let next = created.pop(); next; next = created.pop()) {
        try {
          await next();
        } catch (err) {
          failures.push(err);
        }
      }
      if (failures.length > 0) throw new AggregateError(failures, 'cleanup failed');
    });
  }
  stack.push(fn);
}

/**
 * The integration broker. `npm test` (test/run.ts) starts it once and passes it in
 * HERALD_TEST_KAFKA_BROKERS; a test file run on its own starts it (or finds it running).
 */
export function kafkaBrokers(): Promise<string[]> {
  brokers ??= (async () => {
    const fromEnv = process.env.HERALD_TEST_KAFKA_BROKERS;
    if (fromEnv) return fromEnv.split(',');
    const kafka = new LocalKafka('test');
    await kafka.start();
    return kafka.brokers;
  })();
  return brokers;
}

/** A name no other test (or earlier run) uses: prefix, pid and random suffix. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${process.pid}-${randomBytes(4).toString('hex')}`;
}

/** A kafkajs client for the test broker; quiet unless HERALD_TEST_KAFKA_LOG is set. */
export async function testKafka(clientId = 'herald-test'): Promise<Kafka> {
  return new Kafka({
    clientId,
    brokers: await kafkaBrokers(),
    logLevel: process.env.HERALD_TEST_KAFKA_LOG ? logLevel.INFO : logLevel.NOTHING,
    retry: { retries: 8, initialRetryTime: 100 },
  });
}

export interface TestTopicOptions {
  prefix?: string;
  partitions?: number;
  replicationFactor?: number;
  configs?: Record<string, string>;
}

/** Creates a topic with a unique name and deletes it when the test ends. */
export async function createTestTopic(t: TestContext, options: TestTopicOptions = {}): Promise<string> {
  const topic = uniqueName(options.prefix ?? 'test');
  const kafka = await testKafka('herald-test-admin');
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: false,
    topics: [
      {
        topic,
        numPartitions: options.partitions ?? 1,
        replicationFactor: options.replicationFactor ?? 1,
        configEntries: Object.entries(options.configs ?? {}).map(([name, value]) => ({ name, value })),
      },
    ],
  });
  deleteTopicAfter(t, topic);
  try {
    await waitForLeaders(admin, topic);
  } finally {
    await admin.disconnect();
  }
  return topic;
}

/** Deletes a topic that something under test creates, when the test ends. */
export function deleteTopicAfter(t: TestContext, topic: string): void {
  cleanup(t, async () => {
    const admin = (await testKafka('herald-test-admin')).admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  });
}

export type ConsumedMessage = KafkaMessage & { topic: string; partition: number };

export interface ConsumeOptions {
  timeoutMs?: number;
  /** Default false: read_committed, as Herald's consumers read. */
  readUncommitted?: boolean;
}

/**
 * Reads a topic from the beginning with a fresh consumer group until `done(records so far)`
 * says so, failing (with how many it got) if that does not happen within the timeout.
 */
export async function consumeUntil(
  t: TestContext,
  kafka: Kafka,
  topic: string,
  done: (records: ConsumedMessage[]) => boolean,
  options: ConsumeOptions = {},
): Promise<ConsumedMessage[]> {
  const consumer = kafka.consumer({ groupId: uniqueName('test-group'), readUncommitted: options.readUncommitted ?? false });
  cleanup(t, () => consumer.disconnect());
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const received: ConsumedMessage[] = [];
  const seen = new Set<string>();
  const timeoutMs = options.timeoutMs ?? 20_000;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`read ${received.length} records from ${topic} in ${timeoutMs} ms without reaching the end condition`)), timeoutMs);
    consumer
      .run({
        eachMessage: async ({ message, partition }) => {
          // A consumer that rejoins its group (a broker died, the coordinator moved) reads again
          // from its last commit: the same record twice is one record, not a duplicate in the topic.
          const position = `${partition}:${message.offset}`;
          if (seen.has(position)) return;
          seen.add(position);
          received.push({ ...message, topic, partition });
          if (done(received)) {
            clearTimeout(timer);
            resolve();
          }
        },
      })
      .catch(reject);
  });
  await consumer.stop();
  return received;
}

/** Reads the first `n` records of a topic (see consumeUntil). */
export async function consumeN(t: TestContext, kafka: Kafka, topic: string, n: number, options: ConsumeOptions = {}): Promise<ConsumedMessage[]> {
  const records = await consumeUntil(t, kafka, topic, (received) => received.length >= n, options);
  return records.slice(0, n);
}
