// The first five minutes, as the README tells them: `npm start` brings up the whole platform
// (Kafka, PostgreSQL, the registry, publisher, router and replay) and prints the keys; the `herald`
// CLI creates a subscription, publishes an event, tails it from the subscription, and replays
// the type into a topic with --watch; Ctrl-C stops everything, leaving no process behind.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { LocalKafka, heraldHome } from '@herald/local-kafka';
import { LocalPostgres } from '@herald/local-postgres';
import { requested } from './helpers/rides.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const PORTS = [8080, 8081, 8082, 8083];

/** The environment of a user's shell: the suite's own HERALD_* settings (test brokers) left out, which the services would refuse as unknown. */
function userEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('HERALD_')));
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI as a user would (`npm run herald -- …` is the same entry), with `env` added. */
function herald(args: string[], env: Record<string, string>, input?: string): Promise<Run> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'packages', 'cli', 'src', 'main.ts'), ...args], {
      cwd: repoRoot,
      env: { ...userEnv(), ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', fail);
    child.on('exit', (code) => done({ code, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}

async function portOpen(port: number): Promise<boolean> {
  try {
    await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(1000) });
    return true;
  } catch {
    return false;
  }
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

test('from npm start to an event in a subscription and a watched replay, with the CLI; Ctrl-C leaves nothing running', { timeout: 600_000 }, async (t) => {
  for (const port of PORTS) assert.ok(!(await portOpen(port)), `port ${port} is free before the platform starts (is npm start already running?)`);

  // `npm start`, in a process group of its own, as a terminal would run it.
  const platform: ChildProcess = spawn('npm', ['start'], { cwd: repoRoot, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: userEnv() });
  const pgid = platform.pid!;
  let out = '';
  platform.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  platform.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((done) => platform.on('exit', () => done()));
  t.after(async () => {
    if (groupAlive(pgid)) {
      process.kill(-pgid, 'SIGINT');
      await Promise.race([exited, sleep(60_000)]);
    }
  });

  for (const deadline = Date.now() + 300_000; !out.includes('Press Ctrl-C'); await sleep(250)) {
    assert.ok(Date.now() < deadline, `npm start did not get ready in 5 minutes:\n${out}`);
    assert.ok(platform.exitCode === null, `npm start exited with ${platform.exitCode}:\n${out}`);
  }
  const keyOf = (label: string) => new RegExp(`${label} key\\s+(hk_\\S+)`).exec(out)?.[1];
  const adminKey = keyOf('admin');
  const ridesKey = keyOf('rides-service');
  const billingKey = keyOf('billing');
  assert.ok(adminKey && ridesKey && billingKey, `the keys are printed:\n${out}`);
  for (const url of ['http://localhost:8081', 'http://localhost:8080', 'http://localhost:8082', 'http://localhost:8083']) assert.match(out, new RegExp(url));
  const secrets = JSON.parse(readFileSync(join(heraldHome(), 'dev-secrets.json'), 'utf8')) as { signingKeys: Record<string, string> };
  // The defaults of the CLI are the addresses of `npm start`; a config file of the user's is not read.
  const dir = mkdtempSync(join(tmpdir(), 'herald-e2e-'));
  writeFileSync(join(dir, 'config.json'), '{}');
  const env = { HERALD_SIGNING_KEYS: JSON.stringify(secrets.signingKeys), HERALD_CONFIG: join(dir, 'config.json') };

  // A subscription to requested rides, as billing.
  const name = `e2e-${randomBytes(4).toString('hex')}`;
  writeFileSync(join(dir, 'sub.json'), JSON.stringify({ name, description: 'End-to-end test subscription.', eventTypes: ['com.acme.rides.ride.requested'] }));
  const created = await herald(['subs', 'create', '--file', join(dir, 'sub.json'), '--key', billingKey], env);
  assert.equal(created.code, 0, created.stderr);

  // An event, as rides-service.
  const ride = requested(`r-${name}`);

  writeFileSync(join(dir, 'ride.json'), JSON.stringify(ride));
  const published = await herald(['publish', 'com.acme.rides.ride.requested', '--data', `@${join(dir, 'ride.json')}`, '--key', ridesKey], env);
  assert.equal(published.code, 0, published.stderr);

  // The event arrives in the subscription, verified and decoded.
  const tailed = await herald(['tail', name, '--from-beginning', '--max', '1', '--timeout-ms', '60000', '--output', 'json', '--key', billingKey], env);
  assert.equal(tailed.code, 0, tailed.stderr);
  const event = JSON.parse(tailed.stdout.trim().split('\n')[0]!) as { type: string; verified: boolean; data: { rideId: string } };
  assert.equal(event.type, 'com.acme.rides.ride.requested');
  assert.equal(event.verified, true);
  assert.equal(event.data.rideId, ride.rideId);

  // A replay of the type into a topic, watched to the end.
  const replayed = await herald(['replay', 'start', '--type', 'com.acme.rides.ride.requested', '--target', `topic:replay.${name}`, '--watch', '--key', billingKey], env);
  assert.equal(replayed.code, 0, `${replayed.stdout}\n${replayed.stderr}`);
  assert.match(replayed.stdout + replayed.stderr, /completed/);
  assert.match(replayed.stdout + replayed.stderr, /100(\.0)?%/);

  // Ctrl-C reaches the whole process group (npm itself exits on it at once); the platform stops
  // the services, Kafka and PostgreSQL, says so, and exits.
  process.kill(-pgid, 'SIGINT');
  for (const deadline = Date.now() + 90_000; !out.includes('[herald] stopped'); await sleep(250)) {
    assert.ok(Date.now() < deadline, `the platform did not stop within 90 s:\n${out}`);
  }
  await exited;
  for (const deadline = Date.now() + 10_000; groupAlive(pgid); await sleep(100)) assert.ok(Date.now() < deadline, 'no process of the platform is left');
  for (const port of PORTS) assert.ok(!(await portOpen(port)), `port ${port} is closed`);
  assert.ok(new LocalKafka('single').status().every((node) => !node.running), 'the local Kafka stopped');
  assert.equal(new LocalPostgres('dev').status().running, false, 'the local PostgreSQL stopped');
});
