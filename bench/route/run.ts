// bench/route: events/s through the router with 1, 100 and 10,000 subscriptions next to a raw
// kafkajs consume → produce pipe with the same transactions, in the same run, on the same broker
// and input; printed as ratios. What it measures and why: docs/benchmarks.md.
//
//   npm run bench:route -w @herald/bench [-- --help]
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { CpuMeter, combineCpuUse, coreCount, machineBusyShare, otherCores, type CpuUse } from '../lib/cpu.js';
import { summarizeProfile, type ProfileSummary } from '../lib/cpu-profile.js';
import { buildBundles, bundlePath, repoRoot } from '../lib/service-process.js';
import { runBenchmark, type Teardown } from '../lib/teardown.js';
import { outputTopicConfigs, preload, startPlatform, startRouter, writeSubscriptions, type RoutePlatform } from './platform.js';
import { committed, countOutput, drain, type Drained } from './progress.js';
import { routerStages } from './profile-stages.js';
import { RawPipe } from './raw-pipe.js';
import { rideTypeName, subscriptionsOf } from './workload.js';

const USAGE = `Usage: npm run bench:route -w @herald/bench [-- options]

  --subscriptions 1,100,10000   subscriptions of the router, one scenario each
  --events 150000               events preloaded into the input topic (6 partitions); each
                                turn routes them from the beginning, with a fresh group
  --max-seconds 12              a turn's measurement ends after this long, if the input is not
                                all routed by then
  --keys 5000                   partition keys (riders) the events spread over
  --rounds 2                    turns of each side per scenario; even rounds run the scenarios
                                backwards, the router before the raw pipe
  --profile                     run the router under --cpu-prof and print where its CPU goes
  --skip-build                  do not run turbo build for the bundles first
  --router-bundle F             benchmark another build of the router (an experiment)
  --router-env N=V              another router setting (HERALD_*), repeatable; the raw pipe
                                follows HERALD_ROUTER_PARTITIONS_CONCURRENCY and
                                HERALD_ROUTER_MAX_BYTES_PER_PARTITION
`;

let parsed;
try {
  parsed = parseArgs({
    options: {
      subscriptions: { type: 'string', default: '1,100,10000' },
      events: { type: 'string', default: '150000' },
      'max-seconds': { type: 'string', default: '12' },
      keys: { type: 'string', default: '5000' },
      rounds: { type: 'string', default: '2' },
      profile: { type: 'boolean', default: false },
      'skip-build': { type: 'boolean', default: false },
      'router-bundle': { type: 'string' },
      'router-env': { type: 'string', multiple: true, default: [] },
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
const subscriptionCounts = args.subscriptions.split(',').map(Number);
const totalEvents = Number(args.events);
const keys = Number(args.keys);
const rounds = Number(args.rounds);
const maxSeconds = Number(args['max-seconds']);
const routerEnv = Object.fromEntries(args['router-env'].map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]));
// The router's defaults (services/router/src/config.ts), which the raw pipe copies.
const partitionsConcurrency = Number(routerEnv.HERALD_ROUTER_PARTITIONS_CONCURRENCY ?? 8);
const maxBytesPerPartition = Number(routerEnv.HERALD_ROUTER_MAX_BYTES_PER_PARTITION ?? 1_048_576);
if (
  subscriptionCounts.some((n) => !Number.isInteger(n) || n < 1 || n > 100_000) ||
  !Number.isInteger(totalEvents) ||
  totalEvents < 1000 ||
  !Number.isInteger(keys) ||
  keys < 1 ||
  !Number.isInteger(rounds) ||
  rounds < 1 ||
  !(maxSeconds > 0) ||
  !Number.isInteger(partitionsConcurrency) ||
  !Number.isInteger(maxBytesPerPartition) ||
  args['router-env'].some((pair) => !/^HERALD_\w+=/.test(pair))
) {
  process.stderr.write(`invalid options\n\n${USAGE}`);
  process.exit(2);
}

const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);

interface Turn extends Drained {
  /** Processes watched: router (router turns), bench (the raw pipe runs in it), broker, registry. */
  pids: Record<string, number>;
}

interface Scenario {
  subscriptions: number;
  router: Turn;
  raw: Turn;
}

function combineTurns(turns: Turn[]): Turn {
  const [first] = turns;
  if (!first) throw new Error('no turns to combine');
  const events = turns.reduce((n, t) => n + t.events, 0);
  const seconds = turns.reduce((n, t) => n + t.seconds, 0);
  return {
    ...first,
    events,
    seconds,
    eventsPerSecond: events / seconds,
    firstCommitSeconds: turns.reduce((n, t) => n + t.firstCommitSeconds, 0) / turns.length,
    cpu: combineCpuUse(turns.map((t) => t.cpu)),
  };
}

const int = (n: number) => Math.round(n).toLocaleString('en-US');
/** CPU milliseconds per 1000 events. */
const perK = (use: CpuUse, name: string, events: number) => (events > 0 && use.seconds[name] !== undefined ? ((use.seconds[name] * 1e6) / events).toFixed(0) : '-');
const pct = (share: number) => `${Math.round(share * 100)}%`;

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  return [line(header), `|${widths.map((w, i) => (i === 0 ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`, ...rows.map(line)].join('\n');
}

function printResults(scenarios: Scenario[], sizes: { recordBytes: number; valueBytes: number }): void {
  const out: string[] = [];
  out.push(
    `\nbench/route: ${int(totalEvents)} events of ${sizes.recordBytes.toFixed(0)} B (key+value+headers; Avro value ${sizes.valueBytes.toFixed(0)} B) on 6 partitions over ${int(keys)} keys; ` +
      `each turn routes all of them with a fresh group, raw and router alternating, ${rounds} turn(s) each per scenario (at most ${maxSeconds} s measured each); ` +
      `${partitionsConcurrency} partitions at once, ${maxBytesPerPartition / 1024} KiB fetched per partition, one transaction per fetched batch; ${coreCount} cores shared by everything\n`,
  );
  out.push(
    table(
      ['subscriptions', 'router events/s', 'raw events/s', 'ratio', 'router measured s', 'raw measured s', 'router start → first commit s'],
      scenarios.map(({ subscriptions, router, raw }) => [
        int(subscriptions),
        int(router.eventsPerSecond),
        int(raw.eventsPerSecond),
        (router.eventsPerSecond / raw.eventsPerSecond).toFixed(2),
        router.seconds.toFixed(1),
        raw.seconds.toFixed(1),
        router.firstCommitSeconds.toFixed(1),
      ]),
    ),
  );
  out.push('\nCPU ms per 1000 events (user+system, all threads), and how busy the machine was while measured:\n');
  out.push(
    table(
      ['subscriptions', 'router', 'broker (router)', 'busy (router)', 'raw kafkajs', 'broker (raw)', 'busy (raw)'],
      scenarios.map(({ subscriptions, router, raw }) => [
        int(subscriptions),
        perK(router.cpu, 'router', router.events),
        perK(router.cpu, 'broker', router.events),
        pct(machineBusyShare(router.cpu)),
        perK(raw.cpu, 'bench', raw.events),
        perK(raw.cpu, 'broker', raw.events),
        pct(machineBusyShare(raw.cpu)),
      ]),
    ),
  );

  const targets: string[] = [];
  const at = (n: number) => scenarios.find((s) => s.subscriptions === n);
  const hundred = at(100);
  if (hundred) {
    const ratio = hundred.router.eventsPerSecond / hundred.raw.eventsPerSecond;
    targets.push(`100 subscriptions: ${ratio.toFixed(2)} of the raw pipe (target ≥ 0.70): ${ratio >= 0.7 ? 'met' : 'MISSED'}`);
  }
  const fewest = scenarios.reduce((a, b) => (b.subscriptions < a.subscriptions ? b : a));
  const most = scenarios.reduce((a, b) => (b.subscriptions > a.subscriptions ? b : a));
  if (most !== fewest) {
    const slowdown = fewest.router.eventsPerSecond / most.router.eventsPerSecond;
    const target = fewest.subscriptions === 1 && most.subscriptions === 10_000 ? ` (target ≤ 2×): ${slowdown <= 2 ? 'met' : 'MISSED'}` : '';
    targets.push(`slowdown from ${int(fewest.subscriptions)} to ${int(most.subscriptions)} subscriptions: ${slowdown.toFixed(2)}×${target}`);
  }
  if (targets.length > 0) out.push(`\nTargets:\n${targets.join('\n')}`);

  const notes = scenarios.flatMap(({ subscriptions, router, raw }) =>
    [router, raw]
      .filter((r) => otherCores(r.cpu) > 0.15)
      .map((r) => `${int(subscriptions)} subscriptions ${r === router ? 'router' : 'raw'}: other processes used ${otherCores(r.cpu).toFixed(2)} cores meanwhile; this result is disturbed`),
  );
  if (notes.length > 0) out.push(`\nNotes:\n${notes.join('\n')}`);
  if (args['router-bundle'] || args['router-env'].length > 0) {
    out.push(`\nExperiment: router ${args['router-bundle'] ?? 'bundle of services/router'}${args['router-env'].length > 0 ? ` with ${args['router-env'].join(' ')}` : ''}`);
  }
  if (args.profile) out.push('\n(--profile: the router ran under the CPU profiler, which slows it down.)');
  process.stdout.write(`${out.join('\n')}\n`);
}

function printProfile(summaries: Array<{ summary: ProfileSummary; events: number }>): void {
  const out: string[] = ['\nRouter CPU profile (main thread, measured window only):'];
  for (const { summary: s, events: n } of summaries) {
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

/**
 * Checks what a subscriber of a stopped turn's output topic sees: each input record the group
 * committed exactly once (every event goes to exactly one subscription).
 */
async function verifyOutput(platform: RoutePlatform, turn: { groupId: string; output: string; label: string; origins: boolean }): Promise<void> {
  const expected = await committed(platform.admin, turn.groupId, platform.eventType.topicName);
  const count = await countOutput(platform.kafka, turn.output, expected);
  if (count.records !== expected) throw new Error(`${turn.label}: ${turn.output} holds ${count.records} committed records for ${expected} input records routed; the run is not valid`);
  if (turn.origins && count.distinctOrigins !== expected) {
    throw new Error(`${turn.label}: ${turn.output} holds ${count.distinctOrigins ?? 0} distinct input records for ${expected} routed; the run is not valid`);
  }
}

async function rawTurn(teardown: Teardown, platform: RoutePlatform, name: string): Promise<Turn> {
  const output = `bench.route.raw.${name}`;
  await platform.createTopic(output, 6, outputTopicConfigs);
  const groupId = `bench-raw-${name}`;
  const pids = { bench: process.pid, broker: platform.brokerPid, registry: platform.registryPid };
  const pipe = new RawPipe({ kafka: platform.kafka, groupId, input: platform.eventType.topicName, output, partitionsConcurrency, maxBytesPerPartition });
  const startedAt = performance.now();
  await pipe.start(teardown);
  const drained = await drain({ admin: platform.admin, groupId, topic: platform.eventType.topicName, total: totalEvents, maxSeconds, cpu: new CpuMeter(pids), startedAt });
  await pipe.stop();
  await verifyOutput(platform, { groupId, output, label: `raw ${name}`, origins: false });
  return { ...drained, pids };
}

async function routerTurn(
  teardown: Teardown,
  platform: RoutePlatform,
  options: { name: string; subscriptions: number; bundle: string; profileDir: string | undefined },
): Promise<Turn & { profile?: string }> {
  const { name } = options;
  const destination = { topic: `bench.route.router.${name}`, deadLetterTopic: `bench.route.router.${name}.dlq` };
  await platform.createTopic(destination.topic, 6, outputTopicConfigs);
  await platform.createTopic(destination.deadLetterTopic, 1, outputTopicConfigs);
  const subscriptionsTopic = `_bench.subscriptions.${name}`;
  await writeSubscriptions(platform, subscriptionsTopic, subscriptionsOf({ count: options.subscriptions, typeName: rideTypeName, destination }));
  const groupId = `bench-router-${name}`;
  const profileDir = options.profileDir ? join(options.profileDir, name) : undefined;
  const startedAt = performance.now();
  const router = await startRouter(teardown, platform, {
    subscriptionsTopic,
    groupId,
    env: routerEnv,
    process: { bundle: options.bundle, nodeArgs: profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [] },
  });
  const pids = { router: router.pid, bench: process.pid, broker: platform.brokerPid, registry: platform.registryPid };
  const drained = await drain({
    admin: platform.admin,
    groupId,
    topic: platform.eventType.topicName,
    total: totalEvents,
    maxSeconds,
    cpu: new CpuMeter(pids),
    startedAt,
    check: () => {
      if (!router.running) throw new Error(`the router exited (${router.child.exitCode ?? router.child.signalCode})`);
    },
  }).catch((error: unknown) => {
    throw new Error(`${(error as Error).message}; the router's last output:\n${router.tail(40)}`, { cause: error });
  });
  await router.stop();
  await verifyOutput(platform, { groupId, output: destination.topic, label: `router ${name}`, origins: true });
  const file = profileDir ? readdirSync(profileDir).find((f) => f.endsWith('.cpuprofile')) : undefined;
  return { ...drained, pids, ...(profileDir && file ? { profile: join(profileDir, file) } : {}) };
}

await runBenchmark(async (teardown) => {
  const started = Date.now();
  if (!args['skip-build']) {
    log('building the router and schema-registry bundles (turbo; cached when unchanged)');
    buildBundles(['router', 'schema-registry']);
  }
  // npm runs scripts in bench/: a relative path means where the command was typed.
  const routerBundle = args['router-bundle'] ? resolve(process.env.INIT_CWD ?? process.cwd(), args['router-bundle']) : bundlePath('router');
  const profileDir = args.profile ? mkdtempSync(join(tmpdir(), 'herald-bench-profile-')) : undefined;
  const platform = await startPlatform(teardown);
  log(`preloading ${int(totalEvents)} signed events into ${platform.eventType.topicName}`);
  const sizes = await preload(platform, totalEvents, keys);
  log(`ready after ${((Date.now() - started) / 1000).toFixed(1)} s`);

  const turns = new Map(subscriptionCounts.map((n) => [n, { router: [] as Turn[], raw: [] as Turn[] }]));
  const profiles: Array<{ summary: ProfileSummary; events: number }> = [];
  // Even rounds go through the scenarios backwards, and run the router before the raw pipe: a
  // drift of the machine over the run, or an effect of going first, falls on every side alike.
  for (let round = 1; round <= rounds; round++) {
    const forwards = round % 2 === 1;
    for (const subscriptions of forwards ? subscriptionCounts : [...subscriptionCounts].reverse()) {
      const name = `s${subscriptions}.r${round}`;
      const scenario = turns.get(subscriptions)!;
      const runRaw = async () => {
        log(`${int(subscriptions)} subscriptions, round ${round}/${rounds}: raw pipe`);
        const raw = await rawTurn(teardown, platform, name);
        scenario.raw.push(raw);
        log(`  ${int(raw.eventsPerSecond)} events/s`);
      };
      const runRouter = async () => {
        log(`${int(subscriptions)} subscriptions, round ${round}/${rounds}: router`);
        const router = await routerTurn(teardown, platform, { name, subscriptions, bundle: routerBundle, profileDir });
        scenario.router.push(router);
        log(`  ${int(router.eventsPerSecond)} events/s (first commit ${router.firstCommitSeconds.toFixed(1)} s after start)`);
        if (router.profile) {
          const sourceMap = `${routerBundle}.map`;
          const [summary] = summarizeProfile({
            profileFile: router.profile,
            bundleUrl: pathToFileURL(routerBundle).href,
            ...(existsSync(sourceMap) ? { sourceMapFile: sourceMap } : {}),
            root: repoRoot,
            windows: [{ name: `${int(subscriptions)} subscriptions${rounds > 1 ? `, round ${round}` : ''}`, ...router.window }],
            stages: routerStages,
          });
          if (summary) profiles.push({ summary, events: router.events });
          log(`  profile: ${router.profile}`);
        }
      };
      if (forwards) {
        await runRaw();
        await runRouter();
      } else {
        await runRouter();
        await runRaw();
      }
    }
  }
  const scenarios = subscriptionCounts.map((subscriptions): Scenario => {
    const scenario = turns.get(subscriptions)!;
    return { subscriptions, router: combineTurns(scenario.router), raw: combineTurns(scenario.raw) };
  });
  printResults(scenarios, sizes);
  if (profiles.length > 0) printProfile(profiles);
  log(`done in ${((Date.now() - started) / 1000).toFixed(0)} s; stopping what this run started`);
});
