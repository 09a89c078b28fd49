// Closed-loop load: a fixed number of workers, each sending one request and waiting for its
// answer before the next. A warm-up (JIT, connections, producer state) is not measured; then
// throughput counts what completes within the measured window, and latency is the time of
// each of those requests, from the call to its answer. Segments of several rounds (interleaved
// with another side's, so both see the same machine) combine into one result.
import { performance } from 'node:perf_hooks';
import { combineCpuUse, type CpuMeter, type CpuUse } from './cpu.js';
import { monotonicMicros } from './cpu-profile.js';

/** Sends one request and resolves once it is acknowledged; throws when it is refused. */
export type SendRequest = () => Promise<void>;

export interface LoadOptions {
  send: SendRequest;
  /** Events each request carries. */
  eventsPerRequest: number;
  concurrency: number;
  warmupMs: number;
  durationMs: number;
  cpu: CpuMeter;
}

export interface LoadResult {
  seconds: number;
  requests: number;
  events: number;
  eventsPerSecond: number;
  /** Latency of every measured request in milliseconds, sorted. */
  latencies: Float64Array;
  p50: number;
  p99: number;
  failures: number;
  /** The first few failure messages. */
  failureSamples: string[];
  cpu: CpuUse;
  /** The measured windows on the monotonic clock, in microseconds (to pick their samples out of a CPU profile). */
  windows: Array<{ fromUs: number; toUs: number }>;
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  let phase: 'warmup' | 'measure' | 'done' = 'warmup';
  let latencies = new Float64Array(1 << 16);
  let requests = 0;
  let failures = 0;
  const failureSamples: string[] = [];

  const record = (ms: number) => {
    if (requests === latencies.length) {
      const grown = new Float64Array(latencies.length * 2);
      grown.set(latencies);
      latencies = grown;
    }
    latencies[requests++] = ms;
  };

  const worker = async () => {
    while (phase !== 'done') {
      const started = performance.now();
      try {
        await options.send();
        if (phase === 'measure') record(performance.now() - started);
      } catch (err) {
        if (phase === 'measure') failures++;
        if (failureSamples.length < 5) failureSamples.push((err as Error).message);
        // A refusing service must not turn the loop into a busy spin.
        await sleep(10);
      }
    }
  };

  const workers = Array.from({ length: options.concurrency }, worker);
  await sleep(options.warmupMs);
  const stopCpu = options.cpu.start();
  const measuredFrom = performance.now();
  const fromUs = monotonicMicros();
  phase = 'measure';
  await sleep(options.durationMs);
  phase = 'done';
  const toUs = monotonicMicros();
  const seconds = (performance.now() - measuredFrom) / 1000;
  const cpu = stopCpu();
  await Promise.all(workers);

  return summarize({
    seconds,
    requests,
    eventsPerRequest: options.eventsPerRequest,
    latencies: latencies.slice(0, requests).sort(),
    failures,
    failureSamples,
    cpu,
    windows: [{ fromUs, toUs }],
  });
}

function summarize(parts: Omit<LoadResult, 'events' | 'eventsPerSecond' | 'p50' | 'p99'> & { eventsPerRequest: number }): LoadResult {
  const { eventsPerRequest, ...rest } = parts;
  const events = parts.requests * eventsPerRequest;
  return { ...rest, events, eventsPerSecond: events / parts.seconds, p50: percentile(parts.latencies, 50), p99: percentile(parts.latencies, 99) };
}

/** One result of several segments of the same load: totals over all of them, percentiles over every request. */
export function combineResults(results: LoadResult[]): LoadResult {
  const [first] = results;
  if (!first) throw new Error('no results to combine');
  if (results.length === 1) return first;
  const latencies = new Float64Array(results.reduce((n, r) => n + r.latencies.length, 0));
  let at = 0;
  for (const r of results) {
    latencies.set(r.latencies, at);
    at += r.latencies.length;
  }
  const requests = results.reduce((n, r) => n + r.requests, 0);
  return summarize({
    seconds: results.reduce((n, r) => n + r.seconds, 0),
    requests,
    eventsPerRequest: requests > 0 ? results.reduce((n, r) => n + r.events, 0) / requests : 0,
    latencies: latencies.sort(),
    failures: results.reduce((n, r) => n + r.failures, 0),
    failureSamples: results.flatMap((r) => r.failureSamples).slice(0, 5),
    cpu: combineCpuUse(results.map((r) => r.cpu)),
    windows: results.flatMap((r) => r.windows),
  });
}
