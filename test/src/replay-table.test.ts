// Rehydrating PostgreSQL tables on the real broker and a real PostgreSQL: the newest state per
// key from 50,000 state events over 5,000 keys (from the latest-state topic the router fills,
// then the tail), the same table when run again, deletions, the dry run's counts, and a replay
// process killed with SIGKILL mid-job and restarted ending with the same table as an
// uninterrupted run.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import type { JobView } from '@herald/replay';
import { deleteTopicAfter, testKafka, uniqueName } from './helpers/kafka.js';
import { stopTestPostgres, testPool, testPostgres, testSchema } from './helpers/postgres.js';
import { startServiceProcess } from './helpers/process.js';
import { apiClient, declareRideType, startTestPublisher, type TestPublisher } from './helpers/publisher.js';
import { startRegistry } from './helpers/registry.js';
import { replayEnv, startJob, startTestReplay, waitForJob } from './helpers/replay.js';
import { startTestRouter } from './helpers/router.js';
import { publishRides, readSettled } from './helpers/routing.js';

after(stopTestPostgres);

type RideRow = {
  rideId: string;
  riderId: string;
  seq: number;
  status: string;
  note: string | null;
};

/**
 * Publishes events `from` to `to` of a history of `total` events over `keys` keys (each key's
 * events in order), where one key in ten ends with a deletion (`note: "deleted"`), and updates
 * `expected` to what a table of the newest state per key must hold.
 */
async function publishHistory(publisher: TestPublisher, type: string, range: { from?: number; to?: number; total: number; keys: number }, expected = new Map<string, RideRow>()): Promise<Map<string, RideRow>> {
  const { total, keys } = range;
  const statuses = ['REQUESTED', 'ACCEPTED', 'COMPLETED'];
  const batch: Array<{ data: RideRow }> = [];
  const flush = async () => {
    await publishRides(publisher, type, batch.splice(0), 500);
  };
  for (let i = range.from ?? 0; i < (range.to ?? total); i++) {
    const key = `r-${i % keys}`;
    const last = i >= total - keys;
    const note = last && (i % keys) % 10 === 3 ? 'deleted' : i % 7 === 0 ? `note ${i}` : null;
    const row: RideRow = { rideId: key, riderId: `rider-${i % 97}`, seq: i, status: statuses[i % 3]!, note };
    batch.push({ data: row });
    if (note === 'deleted') expected.delete(key);
    else expected.set(key, row);
    if (batch.length === 500) await flush();
  }
  if (batch.length > 0) await flush();
  return expected;
}

async function tableRows(pool: pg.Pool, table: string): Promise<RideRow[]> {
  const { rows } = await pool.query<RideRow & { seq: string }>(`SELECT "rideId", "riderId", "seq", "status", "note" FROM ${table} ORDER BY "rideId"`);
  return rows.map((r) => ({ ...r, seq: Number(r.seq) }));
}

/** Every column, provenance included, in key order: two tables equal in this are the same table. */
async function dump(pool: pg.Pool, table: string): Promise<string> {
  const { rows } = await pool.query(`SELECT * FROM ${table} ORDER BY "rideId"`);
  return JSON.stringify(rows);
}

function assertNewestPerKey(rows: RideRow[], expected: Map<string, RideRow>, label: string): void {
  assert.equal(rows.length, expected.size, `${label}: one row per live key`);
  for (const row of rows) assert.deepEqual(row, expected.get(row.rideId), `${label}: ${row.rideId} holds its newest state`);
}

test('rehydrating a table from 50,000 state events over 5,000 keys gives the newest state per key; running it again leaves the same table; the dry run counts the same', async (t) => {
  const registry = await startRegistry(t);
  const publisher = await startTestPublisher(t, { registryUrl: registry.url, env: { HERALD_PUBLISHER_RATE_LIMIT: '1000000', HERALD_PUBLISHER_RATE_BURST: '1000000' } });
  const router = await startTestRouter(t, { publisher, registryUrl: registry.url });
  const pool = await testPool(t);
  const schema = await testSchema(t, pool);
  const replay = await startTestReplay(t, { publisher, registryUrl: registry.url, subscriptionsTopic: router.subscriptionsTopic, postgresUrl: await testPostgres() });
  const type = await declareRideType(t, publisher, { topic: { partitions: 6, latestState: true } });
  deleteTopicAfter(t, `state.${type.name}`);

  // 45,000 events the router has put in the latest-state topic, then 5,000 it has not (it is stopped).
  const history = { total: 50_000, keys: 5000 };
  const expected = await publishHistory(publisher, type.name, { ...history, to: 45_000 });
  // The router has routed them all once the latest-state topic holds as many records.
  await readSettled(t, await testKafka(), `state.${type.name}`, { atLeast: 45_000, quietMs: 300, timeoutMs: 90_000 });
  await router.running.close();
  await publishHistory(publisher, type.name, { ...history, from: 45_000 }, expected);
  const table = `${schema}.rides`;
  const target = { kind: 'postgres', table, deleteWhen: { data: { note: ['deleted'] } } };

  const dry = await waitForJob(replay, (await startJob(replay, { source: { eventTypes: [type.name] }, mode: 'latest', target, dryRun: true })).id, 120_000);
  assert.equal(dry.state, 'completed', JSON.stringify(dry.error));
  const first = await waitForJob(replay, (await startJob(replay, { source: { eventTypes: [type.name] }, mode: 'latest', target })).id, 120_000);
  assert.equal(first.state, 'completed', JSON.stringify(first.error));
  assertNewestPerKey(await tableRows(pool, table), expected, 'latest');
  const read = (phase: string) => first.partitions.filter((p) => p.phase === phase).reduce((n, p) => n + p.read, 0);
  assert.ok(read('snapshot') >= 5000, `the latest-state topic was read: ${read('snapshot')}`);
  assert.equal(read('tail'), 5000, 'the tail is what the router had not routed');
  assert.equal(first.counts.matched, 5000 + 5000, 'the newest of each key from the latest-state topic, then the tail');
  assert.deepEqual(
    dry.partitions.map((p) => [p.topic, p.partition, p.matched]),
    first.partitions.map((p) => [p.topic, p.partition, p.matched]),
    'the dry run counts per partition what the real run replayed',
  );
  assert.equal(first.counts.rejected, 0);
  const afterFirst = await dump(pool, table);

  // The whole history again, into the same table: every upsert is refused or rewrites the same row.
  const again = await waitForJob(replay, (await startJob(replay, { source: { eventTypes: [type.name] }, target })).id, 120_000);
  assert.equal(again.state, 'completed', JSON.stringify(again.error));
  assert.equal(again.counts.matched, 50_000);
  assert.equal(await dump(pool, table), afterFirst, 'running it again leaves the same table');

  // Dry run of the history: counts per partition what the real run replayed, and writes nothing.
  const dryHistory = await waitForJob(replay, (await startJob(replay, { source: { eventTypes: [type.name] }, target, dryRun: true })).id, 120_000);
  assert.deepEqual(
    dryHistory.partitions.map((p) => [p.partition, p.matched]),
    again.partitions.map((p) => [p.partition, p.matched]),
  );
  assert.equal(dryHistory.counts.written, 0);
  assert.equal(await dump(pool, table), afterFirst);

  // A type without a latest-state topic: `latest` keeps the newest per key from the history.
  const plain = await declareRideType(t, publisher);
  const expectedPlain = await publishHistory(publisher, plain.name, { total: 3000, keys: 300 });
  const plainTable = `${schema}.plain_rides`;
  const scanned = await waitForJob(replay, (await startJob(replay, { source: { eventTypes: [plain.name] }, mode: 'latest', target: { ...target, table: plainTable } })).id);
  assert.equal(scanned.state, 'completed', JSON.stringify(scanned.error));
  assert.equal(scanned.counts.matched, 300, 'one event per key');
  assertNewestPerKey(await tableRows(pool, plainTable), expectedPlain, 'scan');
});

test('a replay killed with SIGKILL mid-job and restarted ends with the same table as an uninterrupted one', async (t) => {
  const registry = await startRegistry(t);
  const publisher = await startTestPublisher(t, { registryUrl: registry.url, env: { HERALD_PUBLISHER_RATE_LIMIT: '1000000', HERALD_PUBLISHER_RATE_BURST: '1000000' } });
  const pool = await testPool(t);
  const schema = await testSchema(t, pool);
  const postgresUrl = await testPostgres();
  const type = await declareRideType(t, publisher);
  const expected = await publishHistory(publisher, type.name, { total: 20_000, keys: 2000 });
  const target = (table: string) => ({ kind: 'postgres', table: `${schema}.${table}`, deleteWhen: { data: { note: ['deleted'] } } });

  // Uninterrupted, in-process.
  const reference = await startTestReplay(t, { publisher, registryUrl: registry.url, postgresUrl });
  const whole = await waitForJob(reference, (await startJob(reference, { source: { eventTypes: [type.name] }, target: target('uninterrupted') })).id, 120_000);
  assert.equal(whole.state, 'completed', JSON.stringify(whole.error));
  assertNewestPerKey(await tableRows(pool, `${schema}.uninterrupted`), expected, 'uninterrupted');

  // The built service as a process, slowed down so that it is killed mid-job.
  const replaysTopic = uniqueName('_herald.replays');
  const groupId = uniqueName('herald-replay');
  deleteTopicAfter(t, replaysTopic);
  const { env } = await replayEnv(t, { publisher, registryUrl: registry.url, postgresUrl, replaysTopic, groupId, env: { HERALD_REPLAY_BATCH_SIZE: '500', HERALD_LOG_LEVEL: 'info' } });
  const start = async () => {
    const proc = startServiceProcess(t, 'replay', env);
    const url = String((await proc.waitForLog((l) => l.msg === 'replay listening')).url);
    return { proc, call: apiClient(url, publisher.secrets.tokens) };
  };
  const first = await start();
  const job = await startJob(first, { source: { eventTypes: [type.name] }, target: target('interrupted'), rateLimit: 3000 });
  let seen: JobView | undefined;
  for (const deadline = Date.now() + 30_000; Date.now() < deadline; await sleep(50)) {
    seen = (await first.call<JobView>('reader', 'GET', `/v1/replays/${job.id}`)).body;
    if (seen.counts.written >= 6000) break;
  }
  assert.ok(seen && seen.state === 'running' && seen.counts.written < 20_000, `killed mid-job: ${JSON.stringify(seen?.counts)}`);
  first.proc.child.kill('SIGKILL');
  await first.proc.exited;
  const partial = (await pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${schema}.interrupted`)).rows[0]!.n;

  // Restarted, then stopped with SIGTERM mid-job: it checkpoints and says the job waits.
  const second = await start();
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; await sleep(50)) {
    seen = (await second.call<JobView>('reader', 'GET', `/v1/replays/${job.id}`)).body;
    if (seen.counts.written >= 12_000 || seen.state === 'completed') break;
  }
  assert.equal(seen?.state, 'running', `stopped mid-job: ${JSON.stringify(seen?.counts)}`);
  second.proc.child.kill('SIGTERM');
  assert.equal((await second.proc.exited).code, 0, second.proc.stderr());

  const third = await start();
  const stopped = (await third.call<JobView>('reader', 'GET', `/v1/replays/${job.id}`)).body;
  assert.ok(['pending', 'running', 'completed'].includes(stopped.state), stopped.state);
  const finished = await waitForJob(third, job.id, 120_000);
  assert.equal(finished.state, 'completed', JSON.stringify(finished.error));
  assert.ok(Number(partial) > 0, 'the first process had written part of the table');
  assert.equal(await dump(pool, `${schema}.interrupted`), await dump(pool, `${schema}.uninterrupted`), 'the same rows, versions and provenance as the uninterrupted run');
  third.proc.child.kill('SIGTERM');
  assert.equal((await third.proc.exited).code, 0, third.proc.stderr());
});
