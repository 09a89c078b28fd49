// bench/replay: events/s of a replay job into a topic next to a raw kafkajs copy of the same
// topic, and into PostgreSQL next to a `COPY` of the same rows, in the same run, on the same
// broker, input and cluster; printed as ratios. What it measures and why: docs/benchmarks.md.
//
//   npm run bench:replay -w @herald/bench [-- --help]
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { ReplayRequest } from '@herald/replay';
import type { TableColumn } from '@herald/replay/sinks/postgres';
import { SchemaCodec } from '@herald/schemas';
import { CpuMeter, coreCount, machineBusyShare, otherCores, type CpuUse } from '../lib/cpu.js';
import { monotonicMicros, summarizeProfile, type Window } from '../lib/cpu-profile.js';
import { buildBundles, bundlePath, repoRoot } from '../lib/service-process.js';
import { runBenchmark, type Teardown } from '../lib/teardown.js';
import { eventTypesTopic, preload, startPlatform, type RoutePlatform } from '../route/platform.js';
import { countOutput } from '../route/progress.js';
import { buildCopyRows, clusterCpuSeconds, copyInto, countRows, startBenchPostgres, templateTable, type BenchPostgres, type CopyRows } from './postgres.js';
import { replayStages } from './profile-stages.js';
import { rawCopy } from './raw-copy.js';
import { runJob, startReplayService, type ReplayService } from './replay-service.js';

/** The replay's job producer's first retry delay (services/replay/src/jobs/run.ts). */
const JOB_RETRY_MS = 20;

const USAGE = `Usage: npm run bench:replay -w @herald/bench [-- options]

  --events 200000         events preloaded into the type's topic (6 partitions)
  --keys 20000            partition keys (riders) the events spread over: the rows of the
                          replay's table
  --runs 3                runs of each side per target, alternating; the median is reported
  --targets topic,postgres
  --profile               run the replay under --cpu-prof and print where its CPU goes
  --skip-build            do not run turbo build for the bundles first
  --replay-bundle F       benchmark another build of the replay (an experiment)
  --replay-env N=V        another replay setting (HERALD_*), repeatable; the raw copy follows
                          HERALD_REPLAY_MAX_BYTES_PER_PARTITION
  --raw-retry-ms 20       the raw copy's first retry delay (kafkajs initialRetryTime); 20 is
                          the replay's job producer's
`;

let parsed;
try {
  parsed = parseArgs({
    options: {
      events: { type: 'string', default: '200000' },
      keys: { type: 'string', default: '20000' },
      runs: { type: 'string', default: '3' },
      targets: { type: 'string', default: 'topic,postgres' },
      profile: { type: 'boolean', default: false },
      'skip-build': { type: 'boolean', default: false },
      'replay-bundle': { type: 'string' },
      'replay-env': { type: 'string', multiple: true, default: [] },
      'raw-retry-ms': { type: 'string', default: String(JOB_RETRY_MS) },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n\n${USAGE}`);
  process.exit(2);
}
const args = parsed.values;
if (args.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}
const totalEvents = Number(args.events);
const keys = Number(args.keys);
const runs = Number(args.runs);
const targets = args.targets.split(',');
const replayEnv = Object.fromEntries(args['replay-env'].map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]));
// The replay's default (services/replay/src/config.ts), which the raw copy follows.
const maxBytesPerPartition = Number(replayEnv.HERALD_REPLAY_MAX_BYTES_PER_PARTITION ?? 1_048_576);
const rawRetryMs = Number(args['raw-retry-ms']);
if (
  !Number.isInteger(totalEvents) ||
  totalEvents < 1000 ||
  !Number.isInteger(keys) ||
  keys < 1 ||
  keys > totalEvents ||
  !Number.isInteger(runs) ||
  runs < 1 ||
  targets.length === 0 ||
  targets.some((t) => t !== 'topic' && t !== 'postgres') ||
  !Number.isInteger(maxBytesPerPartition) ||
  !Number.isInteger(rawRetryMs) ||
  rawRetryMs < 1 ||
  args['replay-env'].some((pair) => !/^HERALD_\w+=/.test(pair))
) {
  process.stderr.write(`invalid options\n\n${USAGE}`);
  process.exit(2);
}

const TOPIC_TARGET = 0.8;
const POSTGRES_TARGET = 0.3;
/** A job that takes longer has failed to make progress; the run is not valid. */
const JOB_TIMEOUT_MS = 300_000;

const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);
const int = (n: number) => Math.round(n).toLocaleString('en-US');
const pct = (share: number) => `${Math.round(share * 100)}%`;
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

interface Turn {
  events: number;
  seconds: number;
  eventsPerSecond: number;
  cpu: CpuUse;
  /** Herald: startedAt → finishedAt. */
  runSeconds?: number;
  transactions?: number;
  /** Topic: produce requests retried on CONCURRENT_TRANSACTIONS. */
  retries?: number;
  /** PostgreSQL: rows written (the replay folds each batch to the newest event per key). */
  rows?: number;
}

interface Scenario {
  target: 'topic' | 'postgres';
  herald: Turn[];
  baseline: Turn[];
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  return [line(header), `|${widths.map((w, i) => (i === 0 ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`, ...rows.map(line)].join('\n');
}

/** CPU milliseconds per 1000 events of one process, the median over the turns. */
function perK(turns: Turn[], name: string): string {
  const values = turns.filter((t) => t.cpu.seconds[name] !== undefined).map((t) => (t.cpu.seconds[name]! * 1e6) / t.events);
  return values.length > 0 ? median(values).toFixed(0) : '-';
}

const transactionsOf = (t: Turn) =>
  t.transactions === undefined || Number.isNaN(t.transactions) ? '-' : `${int(t.transactions)}${t.retries !== undefined ? ` (${int(t.retries)})` : ''}`;
const baselineName = (s: Scenario) => (s.target === 'topic' ? 'raw kafkajs copy' : 'COPY FROM STDIN');
const targetOf = (s: Scenario) => (s.target === 'topic' ? TOPIC_TARGET : POSTGRES_TARGET);
const ratioOf = (s: Scenario) => median(s.herald.map((t) => t.eventsPerSecond)) / median(s.baseline.map((t) => t.eventsPerSecond));

function printResults(scenarios: Scenario[], sizes: { recordBytes: number; valueBytes: number }, copyRows: CopyRows | undefined): void {
  const out: string[] = [];
  out.push(
    `\nbench/replay: ${int(totalEvents)} events of ${sizes.recordBytes.toFixed(0)} B (key+value+headers; Avro value ${sizes.valueBytes.toFixed(0)} B) on 6 partitions over ${int(keys)} keys; ` +
      `${runs} run(s) of each side per target, alternating, median reported; ${maxBytesPerPartition / 1024} KiB fetched per partition; ${coreCount} cores shared by everything` +
      (copyRows ? `; COPY rows ${int(copyRows.bytes / copyRows.rows)} B of text each` : '') +
      '\n',
  );
  out.push(
    table(
      ['target', 'Herald events/s', 'baseline', 'baseline events/s', 'ratio', 'target', ''],
      scenarios.map((s) => {
        const ratio = ratioOf(s);
        return [
          s.target === 'topic' ? 'topic' : 'PostgreSQL',
          int(median(s.herald.map((t) => t.eventsPerSecond))),
          baselineName(s),
          int(median(s.baseline.map((t) => t.eventsPerSecond))),
          ratio.toFixed(2),
          `≥ ${targetOf(s).toFixed(2)}`,
          ratio >= targetOf(s) ? 'PASS' : 'MISS',
        ];
      }),
    ),
  );
  out.push(
    '\nEach run (seconds; Herald: POST → finishedAt, and startedAt → finishedAt in brackets; transactions, and in brackets produce requests kafkajs retried on CONCURRENT_TRANSACTIONS):\n',
  );
  out.push(
    table(
      ['target', 'run', 'Herald s', 'Herald events/s', 'Herald transactions', 'baseline s', 'baseline events/s', 'baseline transactions'],
      scenarios.flatMap((s) =>
        s.herald.map((h, i) => {
          const b = s.baseline[i]!;
          return [
            s.target,
            String(i + 1),
            `${h.seconds.toFixed(2)} (${h.runSeconds?.toFixed(2) ?? '-'})`,
            int(h.eventsPerSecond),
            transactionsOf(h),
            b.seconds.toFixed(2),
            int(b.eventsPerSecond),
            transactionsOf(b),
          ];
        }),
      ),
    ),
  );
  for (const s of scenarios.filter((s) => s.target === 'postgres')) {
    out.push(
      `\nPostgreSQL rows written per run: the replay ${s.herald.map((t) => int(t.rows ?? 0)).join(', ')} (upserts of the newest event per key of each batch of up to 5,000 events, into a table of ${int(keys)} rows); ` +
        `COPY ${int(median(s.baseline.map((t) => t.rows ?? 0)))} (every event, into a table without the primary key)`,
    );
  }
  out.push('\nCPU ms per 1000 events (user+system, all threads; median of the runs), and how busy the machine was:\n');
  out.push(
    table(
      ['target', 'replay', 'broker', 'PostgreSQL', 'busy', 'baseline (bench process)', 'broker', 'PostgreSQL', 'busy'],
      scenarios.map((s) => [
        s.target,
        perK(s.herald, 'replay'),
        perK(s.herald, 'broker'),
        perK(s.herald, 'postgres'),
        pct(median(s.herald.map((t) => machineBusyShare(t.cpu)))),
        perK(s.baseline, 'bench'),
        perK(s.baseline, 'broker'),
        perK(s.baseline, 'postgres'),
        pct(median(s.baseline.map((t) => machineBusyShare(t.cpu)))),
      ]),
    ),
  );
  const notes = scenarios.flatMap((s) =>
    [...s.herald.map((t, i) => ({ t, label: `${s.target} Herald run ${i + 1}` })), ...s.baseline.map((t, i) => ({ t, label: `${s.target} baseline run ${i + 1}` }))]
      .filter(({ t }) => otherCores(t.cpu) > 0.15)
      .map(({ t, label }) => `${label}: other processes used ${otherCores(t.cpu).toFixed(2)} cores meanwhile; this result is disturbed`),
  );
  if (notes.length > 0) out.push(`\nNotes:\n${notes.join('\n')}`);
  if (rawRetryMs !== JOB_RETRY_MS) out.push(`\nThe raw copy retried after ${rawRetryMs} ms, not the replay's ${JOB_RETRY_MS} ms.`);
  if (args['replay-bundle'] || args['replay-env'].length > 0) {
    out.push(`\nExperiment: replay ${args['replay-bundle'] ?? 'bundle of services/replay'}${args['replay-env'].length > 0 ? ` with ${args['replay-env'].join(' ')}` : ''}`);
  }
  if (args.profile) out.push('\n(--profile: the replay ran under the CPU profiler, which slows it down.)');
  process.stdout.write(`${out.join('\n')}\n`);
}

function printProfile(profile: string, bundle: string, windows: Window[], events: Map<string, number>): void {
  const sourceMap = `${bundle}.map`;
  const summaries = summarizeProfile({
    profileFile: profile,
    bundleUrl: pathToFileURL(bundle).href,
    ...(existsSync(sourceMap) ? { sourceMapFile: sourceMap } : {}),
    root: repoRoot,
    windows,
    stages: replayStages,
  });
  const out: string[] = ['\nReplay CPU profile (main thread, jobs only):'];
  for (const s of summaries) {
    const n = events.get(s.window) ?? 0;
    const us = (msValue: number) => (n > 0 ? ((msValue * 1000) / n).toFixed(1) : '-');
    const rows = (entries: Array<[string, number]>, limit: number) => entries.slice(0, limit).map(([k, v]) => [k, v.toFixed(0), pct(v / s.busyMs), us(v)]);
    out.push(`\n${s.window}: ${s.busyMs.toFixed(0)} ms busy for ${int(n)} events = ${us(s.busyMs)} µs/event\n`);
    out.push(table(['stage', 'ms', 'share', 'µs/event'], rows(s.byStage, 20)));
    out.push('');
    out.push(table(['self time by package / file', 'ms', 'share', 'µs/event'], rows(s.selfByOrigin, 12)));
    out.push('');
    out.push(table(['self time by function', 'ms', 'share', 'µs/event'], rows(s.selfByFrame, 20)));
  }
  process.stdout.write(`${out.join('\n')}\n`);
}

interface Context {
  teardown: Teardown;
  platform: RoutePlatform;
  replay: ReplayService;
  postgres: BenchPostgres;
  windows: Window[];
}

const endOffsets = async (platform: RoutePlatform) => (await platform.admin.fetchTopicOffsets(platform.eventType.topicName)).map((p) => ({ partition: p.partition, high: BigInt(p.high) }));

/**
 * Each side once over the last 500 events of every partition, before anything is timed: the
 * replay's runner is elected, its schema cached, its connections open and the code of both
 * sides compiled.
 */
async function warmUp(ctx: Context, copy: { like: string; columns: TableColumn[]; rows: CopyRows } | undefined): Promise<void> {
  const { platform, replay } = ctx;
  const starts = (await endOffsets(platform)).map((p) => ({ partition: p.partition, offset: p.high > 500n ? p.high - 500n : 0n }));
  const from = { offsets: starts.map((s) => ({ partition: s.partition, offset: String(s.offset) })) };
  const source = { eventTypes: [platform.eventType.name] };
  const jobs: ReplayRequest[] = [];
  if (targets.includes('topic')) jobs.push({ source, from, target: { kind: 'topic', topic: 'replay.bench-warm-up' } });
  if (targets.includes('postgres')) jobs.push({ source, from, target: { kind: 'postgres', table: 'rides_bench_warm_up' } });
  for (const job of jobs) {
    await runJob(replay, job, { timeoutMs: 60_000 }).catch((error: unknown) => {
      throw new Error(`warming up: ${(error as Error).message}; the replay's last output:\n${replay.process.tail(40)}`, { cause: error });
    });
  }
  if (targets.includes('topic')) {
    await platform.createTopic('bench.replay.raw-warm-up', 6, { 'cleanup.policy': 'delete' });
    const from = new Map(starts.map((s) => [s.partition, s.offset]));
    await rawCopy(ctx.teardown, { brokers: platform.brokers, admin: platform.admin, input: platform.eventType.topicName, output: 'bench.replay.raw-warm-up', maxBytesPerPartition, from, retryMs: rawRetryMs });
  }
  if (copy) await copyInto(ctx.postgres.pool, { table: 'rides_copy_warm_up', like: copy.like, columns: copy.columns, rows: { ...copy.rows, chunks: copy.rows.chunks.slice(0, 4) } });
}

function checkCounts(label: string, counts: { read: number; matched: number; written: number; rejected: number }): void {
  if (counts.read !== totalEvents || counts.matched !== totalEvents || counts.rejected !== 0) {
    throw new Error(`${label}: the job read ${counts.read}, matched ${counts.matched}, rejected ${counts.rejected} of ${totalEvents} events; the run is not valid`);
  }
}

async function heraldTopicTurn(ctx: Context, run: number): Promise<Turn> {
  const { platform, replay } = ctx;
  const topic = `replay.bench-${run}`;
  // Created as the service would (6 partitions, like the source), so neither side's time counts a topic creation.
  await platform.createTopic(topic, 6, { 'cleanup.policy': 'delete' });
  const meter = new CpuMeter({ replay: replay.process.pid, broker: platform.brokerPid, registry: platform.registryPid }).start();
  const retriesBefore = replay.transactionRetries();
  const fromUs = monotonicMicros();
  const timed = await runJob(replay, { source: { eventTypes: [platform.eventType.name] }, target: { kind: 'topic', topic } }, { timeoutMs: JOB_TIMEOUT_MS, check: () => checkRunning(replay) });
  const cpu = meter();
  ctx.windows.push({ name: 'topic', fromUs, toUs: monotonicMicros() });
  checkCounts(`topic run ${run}`, timed.job.counts);
  if (timed.job.counts.written !== totalEvents) throw new Error(`topic run ${run}: the job wrote ${timed.job.counts.written} of ${totalEvents} events`);
  const output = await countOutput(platform.kafka, topic, totalEvents);
  if (output.records !== totalEvents || output.distinctOrigins !== totalEvents) {
    throw new Error(`topic run ${run}: ${topic} holds ${output.records} committed records (${output.distinctOrigins ?? 0} distinct origins) for ${totalEvents} events; the run is not valid`);
  }
  // Checkpoints: one before reading, one per transaction, one when completed.
  const transactions = (await replay.checkpoints(timed.job.id)) - 2;
  const retries = replay.transactionRetries() - retriesBefore;
  return { events: totalEvents, seconds: timed.seconds, eventsPerSecond: totalEvents / timed.seconds, runSeconds: timed.runSeconds, cpu, transactions, retries };
}

async function rawTopicTurn(ctx: Context, run: number): Promise<Turn> {
  const { platform } = ctx;
  const output = `bench.replay.raw-${run}`;
  await platform.createTopic(output, 6, { 'cleanup.policy': 'delete' });
  const meter = new CpuMeter({ bench: process.pid, broker: platform.brokerPid, registry: platform.registryPid }).start();
  const copied = await rawCopy(ctx.teardown, { brokers: platform.brokers, admin: platform.admin, input: platform.eventType.topicName, output, maxBytesPerPartition, retryMs: rawRetryMs });
  const cpu = meter();
  if (copied.records !== totalEvents) throw new Error(`raw run ${run}: copied ${copied.records} of ${totalEvents} records`);
  const count = await countOutput(platform.kafka, output, totalEvents);
  if (count.records !== totalEvents) throw new Error(`raw run ${run}: ${output} holds ${count.records} committed records for ${totalEvents}; the run is not valid`);
  return { events: totalEvents, seconds: copied.seconds, eventsPerSecond: totalEvents / copied.seconds, cpu, transactions: copied.transactions, retries: copied.transactionRetries };
}

/** CPU of the watched processes and of the cluster's over one turn. */
function meterWithCluster(pids: Record<string, number>, postmaster: number): () => CpuUse {
  const stop = new CpuMeter(pids).start();
  const before = clusterCpuSeconds(postmaster);
  return () => {
    const use = stop();
    return { ...use, seconds: { ...use.seconds, postgres: clusterCpuSeconds(postmaster) - before } };
  };
}

async function heraldTableTurn(ctx: Context, run: number): Promise<Turn> {
  const { platform, replay, postgres } = ctx;
  const tableName = `rides_bench_${run}`;
  const meter = meterWithCluster({ replay: replay.process.pid, broker: platform.brokerPid, registry: platform.registryPid }, postgres.pid);
  const fromUs = monotonicMicros();
  const timed = await runJob(replay, { source: { eventTypes: [platform.eventType.name] }, target: { kind: 'postgres', table: tableName } }, { timeoutMs: JOB_TIMEOUT_MS, check: () => checkRunning(replay) });
  const cpu = meter();
  ctx.windows.push({ name: 'postgres', fromUs, toUs: monotonicMicros() });
  checkCounts(`PostgreSQL run ${run}`, timed.job.counts);
  const rows = await countRows(postgres.pool, tableName);
  if (rows !== keys) throw new Error(`PostgreSQL run ${run}: ${tableName} holds ${rows} rows for ${keys} keys; the run is not valid`);
  return {
    events: totalEvents,
    seconds: timed.seconds,
    eventsPerSecond: totalEvents / timed.seconds,
    runSeconds: timed.runSeconds,
    cpu,
    rows: timed.job.counts.written,
  };
}

async function copyTurn(ctx: Context, run: number, like: string, columns: TableColumn[], rows: CopyRows): Promise<Turn> {
  const { platform, postgres } = ctx;
  const tableName = `rides_copy_${run}`;
  const meter = meterWithCluster({ bench: process.pid, broker: platform.brokerPid }, postgres.pid);
  const copied = await copyInto(postgres.pool, { table: tableName, like, columns, rows });
  const cpu = meter();
  if (copied.rows !== totalEvents || (await countRows(postgres.pool, tableName)) !== totalEvents) throw new Error(`COPY run ${run}: ${copied.rows} rows copied for ${totalEvents} events`);
  return { events: totalEvents, seconds: copied.seconds, eventsPerSecond: totalEvents / copied.seconds, cpu, transactions: 1, rows: copied.rows };
}

function checkRunning(replay: ReplayService): void {
  if (!replay.process.running) throw new Error(`the replay exited (${replay.process.child.exitCode ?? replay.process.child.signalCode}):\n${replay.process.tail(40)}`);
}

/** Runs both sides `runs` times: odd runs the baseline first, even runs Herald first. */
async function alternate(label: string, herald: (run: number) => Promise<Turn>, baseline: (run: number) => Promise<Turn>): Promise<{ herald: Turn[]; baseline: Turn[] }> {
  const result = { herald: [] as Turn[], baseline: [] as Turn[] };
  for (let run = 1; run <= runs; run++) {
    const sides = [
      { name: 'baseline', go: baseline, into: result.baseline },
      { name: 'Herald', go: herald, into: result.herald },
    ];
    if (run % 2 === 0) sides.reverse();
    for (const side of sides) {
      const turn = await side.go(run);
      side.into.push(turn);
      log(`${label} run ${run}/${runs}, ${side.name}: ${int(turn.eventsPerSecond)} events/s (${turn.seconds.toFixed(2)} s)`);
    }
  }
  return result;
}

await runBenchmark(async (teardown) => {
  const started = Date.now();
  if (!args['skip-build']) {
    log('building the replay and schema-registry bundles (turbo; cached when unchanged)');
    buildBundles(['replay', 'schema-registry']);
  }
  // npm runs scripts in bench/: a relative path means where the command was typed.
  const replayBundle = args['replay-bundle'] ? resolve(process.env.INIT_CWD ?? process.cwd(), args['replay-bundle']) : bundlePath('replay');
  const profileDir = args.profile ? mkdtempSync(join(tmpdir(), 'herald-bench-profile-')) : undefined;
  const platform = await startPlatform(teardown);
  log(`preloading ${int(totalEvents)} signed events into ${platform.eventType.topicName}`);
  const sizes = await preload(platform, totalEvents, keys);
  log('starting PostgreSQL (LocalPostgres "bench")');
  const postgres = await startBenchPostgres(teardown);
  log('starting the replay (built bundle)');
  const replay = await startReplayService(teardown, {
    brokers: platform.brokers,
    registryUrl: platform.registryUrl,
    eventTypesTopic,
    signingKeys: platform.signingKeys,
    postgresUrl: postgres.url,
    env: replayEnv,
    process: { bundle: replayBundle, nodeArgs: profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [] },
  });
  const ctx: Context = { teardown, platform, replay, postgres, windows: [] };
  let copy: { like: string; columns: TableColumn[]; rows: CopyRows } | undefined;
  if (targets.includes('postgres')) {
    const like = 'rides_bench_layout';
    const columns = await templateTable(postgres.pool, { table: like, schema: platform.eventType.schema, keyField: platform.eventType.partitionKey });
    log(`building ${int(totalEvents)} COPY rows (${columns.length} columns) from the same events`);
    const rows = await buildCopyRows({ kafka: platform.kafka, admin: platform.admin, codec: new SchemaCodec({ registry: platform.registryUrl }), topic: platform.eventType.topicName, columns });
    if (rows.rows !== totalEvents) throw new Error(`built ${rows.rows} COPY rows for ${totalEvents} events`);
    copy = { like, columns, rows };
  }
  await warmUp(ctx, copy);
  log(`ready after ${((Date.now() - started) / 1000).toFixed(1)} s`);

  const scenarios: Scenario[] = [];
  if (targets.includes('topic')) {
    const turns = await alternate(
      'topic',
      (run) => heraldTopicTurn(ctx, run),
      (run) => rawTopicTurn(ctx, run),
    );
    scenarios.push({ target: 'topic', ...turns });
  }
  if (copy) {
    const { like, columns, rows } = copy;
    const turns = await alternate(
      'PostgreSQL',
      (run) => heraldTableTurn(ctx, run),
      (run) => copyTurn(ctx, run, like, columns, rows),
    );
    scenarios.push({ target: 'postgres', ...turns });
  }
  printResults(scenarios, sizes, copy?.rows);
  if (profileDir) {
    await replay.process.stop();
    const file = readdirSync(profileDir).find((f) => f.endsWith('.cpuprofile'));
    if (!file) throw new Error(`the replay wrote no profile into ${profileDir}`);
    const events = new Map(scenarios.map((s) => [s.target, totalEvents * s.herald.length]));
    printProfile(join(profileDir, file), replayBundle, ctx.windows, events);
    log(`profile: ${join(profileDir, file)}`);
  }
  log(`done in ${((Date.now() - started) / 1000).toFixed(0)} s; stopping what this run started`);
});
