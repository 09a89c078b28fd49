// Measuring a pipe the same way whatever it is: the consumer group's committed offsets, polled,
// say how far it got; throughput is what it committed between the first progress seen and the
// end of the input, over that time. And what a subscriber sees afterwards: the output topic's
// records, read_committed.
import { performance } from 'node:perf_hooks';
import type { Admin, Kafka } from 'kafkajs';
import type { CpuMeter, CpuUse } from '../lib/cpu.js';
import { monotonicMicros } from '../lib/cpu-profile.js';

export interface Drained {
  /** Records committed within the measured window. */
  events: number;
  seconds: number;
  eventsPerSecond: number;
  /** From `startedAt` to the first commit seen: start-up, group join, first transaction. */
  firstCommitSeconds: number;
  cpu: CpuUse;
  /** The measured window on the monotonic clock, µs (to pick a profile's samples). */
  window: { fromUs: number; toUs: number };
}

export interface DrainOptions {
  admin: Admin;
  groupId: string;
  topic: string;
  /** Records in the topic: the pipe is done when it committed this offset on every partition. */
  total: number;
  /** Ends the measurement this long after the first progress, if the pipe is not done by then. */
  maxSeconds: number;
  cpu: CpuMeter;
  /** performance.now() when the pipe was started. */
  startedAt: number;
  pollMs?: number;
  /** Fails when nothing more is committed for this long. */
  stallMs?: number;
  /** Throws when the pipe died (a process that exited). */
  check?: () => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Records the group committed on the topic: the sum of its committed offsets (the topic has no transaction markers). */
export async function committed(admin: Admin, groupId: string, topic: string): Promise<number> {
  const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return (offsets?.partitions ?? []).reduce((n, p) => n + Math.max(0, Number(p.offset)), 0);
}

/**
 * Waits until the group committed the whole topic, or for `maxSeconds` of it; measures from the
 * first progress seen.
 */
export async function drain(options: DrainOptions): Promise<Drained> {
  const pollMs = options.pollMs ?? 100;
  const stallMs = options.stallMs ?? 60_000;
  let first: { at: number; committed: number; fromUs: number; stopCpu: () => CpuUse } | undefined;
  let last = { at: performance.now(), committed: 0 };
  for (;;) {
    options.check?.();
    const done = await committed(options.admin, options.groupId, options.topic);
    const now = performance.now();
    if (done > last.committed) last = { at: now, committed: done };
    else if (now - last.at > stallMs) throw new Error(`${options.groupId} committed nothing for ${stallMs / 1000} s, at ${done} of ${options.total} records`);
    if (done > 0 && !first) first = { at: now, committed: done, fromUs: monotonicMicros(), stopCpu: options.cpu.start() };
    if (first && (done >= options.total || now - first.at >= options.maxSeconds * 1000)) {
      const cpu = first.stopCpu();
      const events = done - first.committed;
      const seconds = (now - first.at) / 1000;
      if (events <= 0 || seconds <= 0) throw new Error(`${options.groupId} finished before a second poll: too few events to measure (raise --events)`);
      return {
        events,
        seconds,
        eventsPerSecond: events / seconds,
        firstCommitSeconds: (first.at - options.startedAt) / 1000,
        cpu,
        window: { fromUs: first.fromUs, toUs: monotonicMicros() },
      };
    }
    await sleep(pollMs);
  }
}

export interface OutputCount {
  records: number;
  /** Distinct input positions (herald-origin-partition:offset) among them; undefined when the records carry none. */
  distinctOrigins: number | undefined;
}

/**
 * Reads a topic read_committed from the beginning, as a subscriber would, until at least
 * `expected` records arrived and nothing more came for `quietMs` (or nothing at all for
 * `timeoutMs`). The topic must no longer be written to.
 */
export async function countOutput(kafka: Kafka, topic: string, expected: number, options: { quietMs?: number; timeoutMs?: number } = {}): Promise<OutputCount> {
  const consumer = kafka.consumer({ groupId: `bench-count-${topic}`, readUncommitted: false, maxWaitTimeInMs: 200, maxBytesPerPartition: 8 * 1_048_576 });
  const origins = new Set<string>();
  let records = 0;
  let withOrigin = 0;
  let lastAt = performance.now();
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      partitionsConsumedConcurrently: 8,
      eachBatch: async ({ batch }) => {
        for (const message of batch.messages) {
          records++;
          const partition = message.headers?.['herald-origin-partition'];
          const offset = message.headers?.['herald-origin-offset'];
          if (partition !== undefined && offset !== undefined) {
            withOrigin++;
            origins.add(`${String(partition)}:${String(offset)}`);
          }
        }
        if (batch.messages.length > 0) lastAt = performance.now();
      },
    });
    const quietMs = options.quietMs ?? 1000;
    const timeoutMs = options.timeoutMs ?? 15_000;
    while (performance.now() - lastAt < (records >= expected ? quietMs : timeoutMs)) await sleep(100);
  } finally {
    await consumer.disconnect();
  }
  return { records, distinctOrigins: withOrigin > 0 ? origins.size : undefined };
}
