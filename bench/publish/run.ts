// bench/publish: Herald's publish API next to a raw kafkajs producer, in the same run, on the
// same broker and topic, with the same records, acks, idempotence and compression; printed as
// ratios. What it measures and why: docs/benchmarks.md.
//
//   npm run bench:publish -w @herald/bench [-- --help]
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { CpuMeter, coreCount, machineBusyShare, otherCores } from '../lib/cpu.js';
import { summarizeProfile, type ProfileSummary, type Window } from '../lib/cpu-profile.js';
import { combineResults, runLoad, type LoadResult } from '../lib/load.js';
import { buildBundles, bundlePath, repoRoot } from '../lib/service-process.js';
import { runBenchmark } from '../lib/teardown.js';
import { RawProducer } from './drivers.js';
import { startPlatform, writer } from './platform.js';
import { publisherStages } from './profile-stages.js';
import { heraldLikeRecord, recordBytes, type KeyMode } from './workload.js';

const USAGE = `Usage: npm run bench:publish -w @herald/bench [-- options]

  --batches 1,10,100     events per request, one scenario each (1..500)
  --concurrency 32       concurrent HTTP clients, and concurrent sendBatch workers of the baseline
  --rounds 2             Herald and raw take turns this many times per scenario
  --warmup 2             seconds of unmeasured load before each turn
  --duration 12          measured seconds per side and scenario, split over the rounds
  --keys event           event: a partition key per event (batches span partitions);
                         request: one key per request (a batch stays on one partition)
  --profile              run the publisher under --cpu-prof and print where its CPU goes
  --skip-build           do not run turbo build for the bundles first
  --publisher-bundle F   benchmark another build of the publisher (an experiment)
  --publisher-env N=V    another publisher setting (HERALD_*), repeatable
`;

let parsed;
try {
  parsed = parseArgs({
    options: {
      batches: { type: 'string', default: '1,10,100' },
      concurrency: { type: 'string', default: '32' },
      rounds: { type: 'string', default: '2' },
      warmup: { type: 'string', default: '2' },
      duration: { type: 'string', default: '12' },
      keys: { type: 'string', default: 'event' },
      profile: { type: 'boolean', default: false },
      'skip-build': { type: 'boolean', default: false },
      'publisher-bundle': { type: 'string' },
      'publisher-env': { type: 'string', multiple: true, default: [] },
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
const batches = args.batches.split(',').map(Number);
const concurrency = Number(args.concurrency);
const rounds = Number(args.rounds);
const warmupMs = Number(args.warmup) * 1000;
const durationMs = Number(args.duration) * 1000;
const keys = args.keys as KeyMode;
const publisherEnv = Object.fromEntries(args['publisher-env'].map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]));
if (
  batches.some((b) => !Number.isInteger(b) || b < 1 || b > 500) ||
  !Number.isInteger(concurrency) ||
  concurrency < 1 ||
  !Number.isInteger(rounds) ||
  rounds < 1 ||
  !(warmupMs >= 0) ||
  !(durationMs > 0) ||
  (keys !== 'event' && keys !== 'request') ||
  args['publisher-env'].some((pair) => !/^HERALD_\w+=/.test(pair))
) {
  process.stderr.write(`invalid options\n\n${USAGE}`);
  process.exit(2);
}

const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Scenario {
  batch: number;
  herald: LoadResult;
  raw: LoadResult;
}

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const ms = (n: number) => (n < 10 ? n.toFixed(2) : n.toFixed(1));
/** CPU milliseconds per 1000 events. */
const perK = (seconds: number | undefined, events: number) => (events > 0 && seconds !== undefined ? ((seconds * 1e6) / events).toFixed(0) : '-');
const pct = (share: number) => `${Math.round(share * 100)}%`;

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  return [line(header), `|${widths.map((w, i) => (i === 0 ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`, ...rows.map(line)].join('\n');
}

function printResults(scenarios: Scenario[], recordSizes: { herald: number; raw: number }): void {
  const out: string[] = [];
  out.push(
    `\nbench/publish: ${concurrency} concurrent clients; per side and scenario ${rounds} turn(s) of ${args.warmup} s warm-up + ${durationMs / rounds / 1000} s measured, ` +
      `Herald and raw alternating; ${keys === 'event' ? 'a partition key per event' : 'one partition key per request'}; ` +
      `records of ${recordSizes.herald.toFixed(0)} B (Herald, key+value+headers) and ${recordSizes.raw} B (raw); ${coreCount} cores shared by everything\n`,
  );
  out.push(
    table(
      ['scenario', 'Herald events/s', 'raw events/s', 'ratio', 'Herald p50 / p99 ms', 'raw p50 / p99 ms'],
      scenarios.map(({ batch, herald, raw }) => [
        `batch ${batch}`,
        int(herald.eventsPerSecond),
        int(raw.eventsPerSecond),
        (herald.eventsPerSecond / raw.eventsPerSecond).toFixed(2),
        `${ms(herald.p50)} / ${ms(herald.p99)}`,
        `${ms(raw.p50)} / ${ms(raw.p99)}`,
      ]),
    ),
  );
  out.push('\nCPU ms per 1000 events (user+system, all threads), and how busy the machine was while measured:\n');
  out.push(
    table(
      ['scenario', 'publisher', 'HTTP load gen', 'broker (Herald)', 'busy (Herald)', 'raw kafkajs', 'broker (raw)', 'busy (raw)'],
      scenarios.map(({ batch, herald, raw }) => [
        `batch ${batch}`,
        perK(herald.cpu.seconds.publisher, herald.events),
        perK(herald.cpu.seconds.bench, herald.events),
        perK(herald.cpu.seconds.broker, herald.events),
        pct(machineBusyShare(herald.cpu)),
        perK(raw.cpu.seconds.bench, raw.events),
        perK(raw.cpu.seconds.broker, raw.events),
        pct(machineBusyShare(raw.cpu)),
      ]),
    ),
  );
  const notes = scenarios.flatMap(({ batch, herald, raw }) => [
    ...(herald.failures > 0 ? [`batch ${batch} Herald: ${herald.failures} failed requests, e.g. ${herald.failureSamples[0]}`] : []),
    ...(raw.failures > 0 ? [`batch ${batch} raw: ${raw.failures} failed requests, e.g. ${raw.failureSamples[0]}`] : []),
    ...[herald, raw]
      .filter((r) => otherCores(r.cpu) > 0.15)
      .map((r) => `batch ${batch} ${r === herald ? 'Herald' : 'raw'}: other processes used ${otherCores(r.cpu).toFixed(2)} cores meanwhile; this result is disturbed`),
  ]);
  if (notes.length > 0) out.push(`\nNotes:\n${notes.join('\n')}`);
  if (args['publisher-bundle'] || args['publisher-env'].length > 0) {
    out.push(`\nExperiment: publisher ${args['publisher-bundle'] ?? 'bundle of services/publisher'}${args['publisher-env'].length > 0 ? ` with ${args['publisher-env'].join(' ')}` : ''}`);
  }
  if (args.profile) out.push('\n(--profile: the publisher ran under the CPU profiler, which slows it down.)');
  process.stdout.write(`${out.join('\n')}\n`);
}

function printProfile(summaries: ProfileSummary[], events: Map<string, number>): void {
  const out: string[] = ['\nPublisher CPU profile (main thread, measured windows only):'];
  for (const s of summaries) {
    const n = events.get(s.window) ?? 0;
    const us = (msValue: number) => (n > 0 ? ((msValue * 1000) / n).toFixed(1) : '-');
    const rows = (entries: Array<[string, number]>, limit: number) => entries.slice(0, limit).map(([k, v]) => [k, v.toFixed(0), pct(v / s.busyMs), us(v)]);
    out.push(`\n${s.window}: ${s.busyMs.toFixed(0)} ms busy for ${int(n)} events = ${us(s.busyMs)} µs/event\n`);
    out.push(table(['stage', 'ms', 'share', 'µs/event'], rows(s.byStage, 20)));
    out.push('');
    out.push(table(['self time by package / file', 'ms', 'share', 'µs/event'], rows(s.selfByOrigin, 10)));
    out.push('');
    out.push(table(['self time by function', 'ms', 'share', 'µs/event'], rows(s.selfByFrame, 15)));
  }
  process.stdout.write(`${out.join('\n')}\n`);
}

await runBenchmark(async (teardown) => {
  const started = Date.now();
  if (!args['skip-build']) {
    log('building the publisher and schema-registry bundles (turbo; cached when unchanged)');
    buildBundles(['publisher', 'schema-registry']);
  }
  const profileDir = args.profile ? mkdtempSync(join(tmpdir(), 'herald-bench-profile-')) : undefined;
  // npm runs scripts in bench/: a relative path means where the command was typed.
  const publisherBundle = args['publisher-bundle'] ? resolve(process.env.INIT_CWD ?? process.cwd(), args['publisher-bundle']) : bundlePath('publisher');
  const platform = await startPlatform(teardown, {
    concurrency,
    publisherEnv,
    publisherProcess: { bundle: publisherBundle, nodeArgs: profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [] },
  });
  const { eventType } = platform;
  log(`ready after ${((Date.now() - started) / 1000).toFixed(1)} s: ${eventType.topic} (${eventType.partitions} partitions), publisher ${platform.publisherUrl}`);

  const template = heraldLikeRecord({ schemaId: eventType.schemaId, registryUrl: platform.registryUrl, source: writer.source, writerId: writer.id, keyring: platform.keyring });
  const raw = await RawProducer.connect(teardown, platform.kafka, eventType.topic, template);
  // One request each way first: a setup problem fails here, with its message, not as a table of failures.
  await platform.client.sender(eventType.name, 1, keys)();
  await raw.sender(1, keys)();
  const cpu = new CpuMeter({ publisher: platform.publisher.pid, broker: platform.brokerPid, bench: process.pid });

  const scenarios: Scenario[] = [];
  const windows: Window[] = [];
  const profiledEvents = new Map<string, number>();
  for (const batch of batches) {
    const load = { eventsPerRequest: batch, concurrency, warmupMs, durationMs: durationMs / rounds, cpu };
    const herald: LoadResult[] = [];
    const baseline: LoadResult[] = [];
    for (let round = 1; round <= rounds; round++) {
      log(`batch ${batch}, round ${round}/${rounds}: Herald`);
      herald.push(await runLoad({ ...load, send: platform.client.sender(eventType.name, batch, keys) }));
      await sleep(300);
      log(`batch ${batch}, round ${round}/${rounds}: raw kafkajs`);
      baseline.push(await runLoad({ ...load, send: raw.sender(batch, keys) }));
      await sleep(300);
    }
    const scenario = { batch, herald: combineResults(herald), raw: combineResults(baseline) };
    scenarios.push(scenario);
    windows.push(...scenario.herald.windows.map((w) => ({ name: `batch ${batch}`, ...w })));
    profiledEvents.set(`batch ${batch}`, scenario.herald.events);
  }
  const recordSizes = { herald: await platform.publishedRecordBytes(), raw: recordBytes(template.headers['ce_partitionkey'] ?? '', template.value, template.headers) };
  printResults(scenarios, recordSizes);

  if (profileDir) {
    await platform.publisher.stop();
    const file = readdirSync(profileDir).find((f) => f.endsWith('.cpuprofile'));
    if (!file) throw new Error(`the publisher wrote no profile into ${profileDir}`);
    const sourceMap = `${publisherBundle}.map`;
    const summaries = summarizeProfile({
      profileFile: join(profileDir, file),
      bundleUrl: pathToFileURL(publisherBundle).href,
      ...(existsSync(sourceMap) ? { sourceMapFile: sourceMap } : {}),
      root: repoRoot,
      windows,
      stages: publisherStages,
    });
    printProfile(summaries, profiledEvents);
    log(`profile: ${join(profileDir, file)} (open it in Chrome DevTools or speedscope)`);
  }
  log(`done in ${((Date.now() - started) / 1000).toFixed(0)} s; stopping what this run started`);
});
