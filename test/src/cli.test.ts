// The herald CLI as a real child process against real services started in-process: a registry,
// a publisher, a router and a replay service on the test broker.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { test, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { cleanup, deleteTopicAfter, kafkaBrokers } from './helpers/kafka.js';
import { declareRideType, startTestPublisher, type PrincipalName } from './helpers/publisher.js';
import { startRegistry } from './helpers/registry.js';
import { startTestReplay } from './helpers/replay.js';
import { startTestRouter } from './helpers/router.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const cliMain = join(repoRoot, 'packages', 'cli', 'src', 'main.ts');

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Starts `herald …` with exactly `env` (plus PATH), feeding `stdin`. */
function startHerald(t: TestContext, args: string[], env: Record<string, string>, stdin = '') {
  const child = spawn(process.execPath, ['--import', 'tsx', cliMain, ...args], { cwd: repoRoot, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdin.end(stdin);
  const exited = new Promise<CliRun>((done) => child.on('exit', (code) => done({ code, stdout, stderr })));
  cleanup(t, async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
  });
  return { child, exited };
}

function herald(t: TestContext, args: string[], env: Record<string, string>, stdin = ''): Promise<CliRun> {
  return startHerald(t, args, env, stdin).exited;
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  return port;
}

const explain = (run: CliRun) => `exit ${run.code}\nstdout: ${run.stdout}\nstderr: ${run.stderr}`;

test('herald: publish from stdin, tail verified and decoded, replay --watch, exit codes', async (t) => {
  const registry = await startRegistry(t);
  const publisher = await startTestPublisher(t, { registryUrl: registry.url });
  const router = await startTestRouter(t, { publisher, registryUrl: registry.url });
  const replay = await startTestReplay(t, { publisher, registryUrl: registry.url, subscriptionsTopic: router.subscriptionsTopic });
  const type = await declareRideType(t, publisher);

  const home = mkdtempSync(join(tmpdir(), 'herald-cli-'));
  cleanup(t, () => rmSync(home, { recursive: true, force: true }));
  const baseEnv = {
    HOME: home,
    HERALD_PUBLISHER_URL: publisher.url,
    HERALD_ROUTER_URL: router.url,
    HERALD_REPLAY_URL: replay.url,
    HERALD_REGISTRY_URL: registry.url,
    HERALD_KAFKA_BROKERS: (await kafkaBrokers()).join(','),
    HERALD_SIGNING_KEYS: publisher.secrets.env.HERALD_SIGNING_KEYS!,
  };
  const as = (principal: PrincipalName) => ({ ...baseEnv, HERALD_KEY: publisher.tokens[principal] });

  const name = `cli-${randomBytes(4).toString('hex')}`;
  await t.test('subs create --file', async () => {
    const file = join(home, 'sub.json');
    writeFileSync(file, JSON.stringify({ name, description: 'The CLI test subscription.', eventTypes: [type.name] }));
    const run = await herald(t, ['subs', 'create', '--file', file], as('reader'));
    deleteTopicAfter(t, `sub.${name}`);
    deleteTopicAfter(t, `sub.${name}.dlq`);
    assert.equal(run.code, 0, explain(run));
    assert.match(run.stdout, new RegExp(`created ${name} \\(topic sub\\.${name}\\)`));
  });

  const rides = ['r-1', 'r-2', 'r-3'].map((rideId) => ({ rideId, riderId: `u-${rideId}`, status: 'REQUESTED' }));
  let ids: string[] = [];
  await t.test('publish: JSON lines from stdin, one id per line', async () => {
    const run = await herald(t, ['publish', type.name, '--output', 'json'], as('writer'), `${rides.map((r) => JSON.stringify(r)).join('\n')}\n`);
    assert.equal(run.code, 0, explain(run));
    const results = run.stdout.trim().split('\n').map((line) => JSON.parse(line) as { id: string; duplicate: boolean });
    assert.equal(results.length, 3);
    assert.ok(results.every((r) => r.duplicate === false));
    ids = results.map((r) => r.id);
  });

  await t.test('tail <subscription> --max 3 --output json: the events, verified and decoded', async () => {
    const run = await herald(t, ['tail', name, '--from-beginning', '--max', '3', '--timeout-ms', '60000', '--output', 'json'], as('reader'));
    assert.equal(run.code, 0, explain(run));
    const events = run.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown> & { data: Record<string, unknown> });
    assert.equal(events.length, 3, explain(run));
    assert.deepEqual(events.map((e) => e.id).sort(), [...ids].sort());
    for (const event of events) {
      assert.equal(event.verified, true);
      assert.equal(event.type, type.name);
      assert.equal(event.authid, 'rides-service');
      const ride = rides.find((r) => r.rideId === event.data.rideId);
      assert.ok(ride, `decoded data ${JSON.stringify(event.data)}`);
      assert.deepEqual(event.data, { ...ride, seq: 0, note: null });
    }
  });

  await t.test('tail with the wrong signing keys: the events show as not verified', async () => {
    const wrong = JSON.stringify({ k1: randomBytes(32).toString('base64') });
    const run = await herald(t, ['tail', type.name, '--from-beginning', '--max', '1', '--timeout-ms', '30000', '--output', 'json', '--signing-keys', wrong], as('reader'));
    assert.equal(run.code, 0, explain(run));
    const [event] = run.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.equal(event!.verified, false);
    assert.match(String(event!.error), /^bad_signature: /);
    assert.equal(event!.data, undefined, 'forged input is not decoded');
  });

  await t.test('subs test: the pattern tried on the newest events', async () => {
    const run = await herald(t, ['subs', 'test', '--type', type.name, '--pattern', '{"data": {"rideId": ["r-2"]}}'], as('reader'));
    assert.equal(run.code, 0, explain(run));
    assert.match(run.stdout, /1 of 3 events match/);
  });

  await t.test('replay start --watch: progress on stderr, exit 0 when completed', async () => {
    const target = `replay.cli-${randomBytes(4).toString('hex')}`;
    deleteTopicAfter(t, target);
    const run = await herald(t, ['replay', 'start', '--type', type.name, '--target', `topic:${target}`, '--watch'], as('reader'));
    assert.equal(run.code, 0, explain(run));
    assert.match(run.stderr, /^replay \S+ started\n/);
    // Not a terminal: a line per update, the last one complete.
    assert.match(run.stderr, /replay \S+: 100\.0% .* completed/);
    assert.match(run.stdout, /^replay \S+ completed: read 3, matched 3, written 3, rejected 0\n$/);
  });

  await t.test('groups rewind --dry-run', async () => {
    const run = await herald(t, ['groups', 'rewind', `${name}-consumer`, '--subscription', name, '--earliest', '--dry-run', '--output', 'json'], as('reader'));
    assert.equal(run.code, 0, explain(run));
    const answer = JSON.parse(run.stdout) as { dryRun: boolean; topic: string; partitions: unknown[] };
    assert.equal(answer.dryRun, true);
    assert.equal(answer.topic, `sub.${name}`);
  });

  await t.test('the key and URLs from a config file', async () => {
    const config = join(home, 'config.json');
    writeFileSync(config, JSON.stringify({ key: publisher.tokens.reader, 'publisher-url': publisher.url }));
    const run = await herald(t, ['types', 'show', type.name, '--config', config, '--output', 'json'], { HOME: home });
    assert.equal(run.code, 0, explain(run));
    assert.equal((JSON.parse(run.stdout) as { name: string }).name, type.name);
  });

  await t.test('exit 130: Ctrl-C stops a tail, which cleans up', async () => {
    const { child, exited } = startHerald(t, ['tail', type.name], as('reader'));
    await sleep(4000);
    child.kill('SIGINT');
    const run = await exited;
    assert.equal(run.code, 130, explain(run));
    assert.match(run.stderr, /herald: interrupted\n$/);
  });

  await t.test('exit 2: a bad flag', async () => {
    const run = await herald(t, ['publish', type.name, '--bogus'], as('writer'));
    assert.equal(run.code, 2, explain(run));
    assert.match(run.stderr, /^herald: Unknown option '--bogus'/);
    assert.equal(run.stdout, '');
  });

  await t.test('exit 1: a call the API forbids, with the problem code on stderr', async () => {
    const run = await herald(t, ['publish', type.name, '--data', JSON.stringify(rides[0])], as('outsider'));
    assert.equal(run.code, 1, explain(run));
    assert.match(run.stderr, /^herald: forbidden: /);
  });

  await t.test('exit 3: a service that is not there', async () => {
    const run = await herald(t, ['types', 'ls', '--publisher-url', `http://127.0.0.1:${await closedPort()}`], as('reader'));
    assert.equal(run.code, 3, explain(run));
    assert.match(run.stderr, /^herald: cannot connect: /);
  });
});
