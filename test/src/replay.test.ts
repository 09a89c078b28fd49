// The replay service on the real broker, into topics: a time window yields exactly its events,
// a dry run counts what the real run replays, a caller who may not read a type gets 403,
// cancel stops a running job within a second, live progress arrives as server-sent events, and
// dead letters are redriven to their subscription's destination.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { JobView } from '@herald/replay';
import { deleteTopicAfter, testKafka, uniqueName } from './helpers/kafka.js';
import { declareRideType, startTestPublisher } from './helpers/publisher.js';
import { startRegistry } from './helpers/registry.js';
import { startJob, startTestReplay, waitForJob } from './helpers/replay.js';
import { startTestRouter } from './helpers/router.js';
import { assertExactlyOnce, assertPerKeyOrder, eventOf, headerStrings, poisonOf, produceRaw, publishRides, readSettled, ride, subscribe } from './helpers/routing.js';

async function setup(t: TestContext) {
  const registry = await startRegistry(t);
  const publisher = await startTestPublisher(t, { registryUrl: registry.url });
  const replay = await startTestReplay(t, { publisher, registryUrl: registry.url });
  return { registry, publisher, replay, kafka: await testKafka() };
}

const rides = (from: number, count: number, keys = 12) => Array.from({ length: count }, (_, i) => ({ data: ride(`r-${(from + i) % keys}`, from + i) }));

test('a time-bounded replay into a topic yields exactly the events of that window, in per-key order; a dry run counts the same per partition', async (t) => {
  const { publisher, replay, kafka } = await setup(t);
  const type = await declareRideType(t, publisher);
  const before = await publishRides(publisher, type.name, rides(0, 120));
  await sleep(1100);
  const from = new Date().toISOString();
  const inside = await publishRides(publisher, type.name, rides(120, 240));
  await sleep(1100);
  const to = new Date().toISOString();
  const after = await publishRides(publisher, type.name, rides(360, 60));
  assert.equal(before.length + inside.length + after.length, 420);

  const target = uniqueName('replay.window');
  deleteTopicAfter(t, target);
  const body = { source: { eventTypes: [type.name] }, from: { timestamp: from }, to: { timestamp: to }, target: { kind: 'topic', topic: target } };
  const dry = await waitForJob(replay, (await startJob(replay, { ...body, dryRun: true })).id);
  assert.equal(dry.state, 'completed', JSON.stringify(dry.error));
  assert.equal(dry.counts.matched, inside.length);
  assert.equal(dry.counts.written, 0);

  const job = await waitForJob(replay, (await startJob(replay, body)).id);
  assert.equal(job.state, 'completed', JSON.stringify(job.error));
  assert.equal(job.counts.written, inside.length);
  assert.deepEqual(
    job.partitions.map((p) => [p.partition, p.matched]),
    dry.partitions.map((p) => [p.partition, p.matched]),
    'the dry run counts, per partition, what the real run replays',
  );
  assert.equal(job.percent, 100);

  const got = await readSettled(t, kafka, target, { atLeast: inside.length, quietMs: 1000 });
  assertExactlyOnce(got, inside, 'window');
  assertPerKeyOrder(got, inside, 'window');
  const first = got[0]!.headers;
  assert.equal(first['herald-replay'], job.id);
  assert.equal(first['herald-origin-topic'], type.topic);
  assert.ok(first['herald-signature'], 'records are copied with their signature');

  // Metrics by job and target.
  const metrics = await (await fetch(`${replay.url}/metrics`)).text();
  const written = new RegExp(`herald_replay_events_total\\{[^}]*replay_job="${job.id}"[^}]*target="topic"[^}]*outcome="written"[^}]*\\} (\\d+)`).exec(metrics);
  assert.equal(Number(written?.[1]), inside.length, 'written events by job and target');
  assert.match(metrics, /herald_replay_jobs\{[^}]*state="completed"[^}]*\} 2/);
  assert.match(metrics, /herald_replay_checkpoints_total\{/);

  // The job's record: ends were fixed when it was created.
  const events = await replay.call<JobView>('reader', 'GET', `/v1/replays/${job.id}`);
  assert.equal(events.status, 200);
  assert.ok(events.body.partitions.every((p) => p.position === p.end && p.remaining === '0'));
});

test('a replay ends on partitions written without transactions (no control record after the last event)', async (t) => {
  const { publisher, replay, kafka } = await setup(t);
  const type = await declareRideType(t, publisher);
  // One event per request: a single-partition write, which the publisher makes without a transaction.
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) ids.push(...(await publishRides(publisher, type.name, [{ data: ride(`r-${i}`, i) }])));
  const target = uniqueName('replay.plain');
  deleteTopicAfter(t, target);
  const job = await waitForJob(replay, (await startJob(replay, { source: { eventTypes: [type.name] }, target: { kind: 'topic', topic: target } })).id, 20_000);
  assert.equal(job.state, 'completed', JSON.stringify(job.error));
  assertExactlyOnce(await readSettled(t, kafka, target, { atLeast: ids.length, quietMs: 500 }), ids, 'plain');
});

test('only a reader of every source type may start a replay; bad requests change nothing', async (t) => {
  const { publisher, replay } = await setup(t);
  const type = await declareRideType(t, publisher);
  const other = await declareRideType(t, publisher, { readers: [] });
  const target = uniqueName('replay.denied');
  const forbidden = await replay.call<{ code: string; detail: string }>('outsider', 'POST', '/v1/replays', { source: { eventTypes: [type.name] }, target: { kind: 'topic', topic: target } });
  assert.equal(forbidden.status, 403);
  assert.equal(forbidden.body.code, 'forbidden');
  const partly = await replay.call<{ code: string; detail: string }>('reader', 'POST', '/v1/replays', { source: { eventTypes: [type.name, other.name] }, target: { kind: 'topic', topic: target } });
  assert.equal(partly.status, 403);
  assert.match(partly.body.detail, new RegExp(other.name.replaceAll('.', '\\.')));

  const cases: Array<[Record<string, unknown>, number, string]> = [
    [{ source: { eventTypes: [type.name] }, target: { kind: 'topic', topic: type.topic } }, 400, 'invalid_request'],
    [{ source: { eventTypes: [type.name] }, target: { kind: 'topic', topic: 'orders' } }, 400, 'invalid_request'],
    [{ source: { eventTypes: [type.name] }, target: { kind: 'topic', topic: target }, pattern: { data: { seq: [{ numeric: ['>>', 1] }] } } }, 400, 'invalid_pattern'],
    [{ source: { eventTypes: [type.name] }, target: { kind: 'postgres', table: 'rides' } }, 422, 'invalid_target'],
    [{ source: { eventTypes: [type.name] }, target: { kind: 'http', url: 'http://169.254.169.254/latest' } }, 422, 'invalid_target'],
    [{ source: { eventTypes: ['com.acme.nothing.here'] }, target: { kind: 'topic', topic: target } }, 422, 'unknown_event_type'],
    [{ source: { eventTypes: [type.name] }, from: { offsets: [{ partition: 99, offset: '0' }] }, target: { kind: 'topic', topic: target } }, 400, 'invalid_request'],
    [{ source: { eventTypes: [type.name] }, from: { offsets: [{ partition: 0, offset: '5000' }] }, target: { kind: 'topic', topic: target } }, 400, 'invalid_request'],
    [{ source: { eventTypes: [type.name] }, mode: 'latest', to: { timestamp: '2026-01-01T00:00:00Z' }, target: { kind: 'topic', topic: target } }, 400, 'invalid_request'],
    [{ source: { eventTypes: [type.name] } }, 400, 'invalid_request'],
  ];
  for (const [body, status, code] of cases) {
    const res = await replay.call<{ code: string }>('reader', 'POST', '/v1/replays', body);
    assert.equal(res.status, status, `${JSON.stringify(body)}: ${JSON.stringify(res.body)}`);
    assert.equal(res.body.code, code, JSON.stringify(body));
  }
  const list = await replay.call<{ items: JobView[] }>('reader', 'GET', '/v1/replays');
  assert.deepEqual(list.body.items, [], 'nothing was recorded');
  const admin = (await testKafka()).admin();
  await admin.connect();
  t.after(() => admin.disconnect());
  assert.ok(!(await admin.listTopics()).includes(target), 'no target topic was created');
});

test('cancel stops a running job within a second; pause and resume continue it without loss or duplicates; progress streams as server-sent events', async (t) => {
  const { publisher, replay, kafka } = await setup(t);
  const type = await declareRideType(t, publisher);
  const ids = await publishRides(publisher, type.name, rides(0, 400), 100);

  // Slow jobs: 100 events/s.
  const paused = uniqueName('replay.paused');
  deleteTopicAfter(t, paused);
  const resumable = await startJob(replay, { source: { eventTypes: [type.name] }, target: { kind: 'topic', topic: paused }, rateLimit: 200 });
  const stream = await fetch(`${replay.url}/v1/replays/${resumable.id}/events`, { headers: { authorization: `Bearer ${publisher.secrets.tokens.reader}` } });
  assert.equal(stream.status, 200);
  assert.match(stream.headers.get('content-type') ?? '', /text\/event-stream/);
  const progressEvents = collectEvents(stream);

  await sleep(700);
  const pause = await replay.call<JobView>('reader', 'POST', `/v1/replays/${resumable.id}/pause`);
  assert.equal(pause.status, 200, JSON.stringify(pause.body));
  assert.equal(pause.body.state, 'paused');
  const atPause = pause.body.counts.written;
  assert.ok(atPause > 0 && atPause < ids.length, `paused part-way (${atPause})`);
  await sleep(500);
  assert.equal((await replay.call<JobView>('reader', 'GET', `/v1/replays/${resumable.id}`)).body.counts.written, atPause, 'a paused job writes nothing');
  const resume = await replay.call<JobView>('reader', 'POST', `/v1/replays/${resumable.id}/resume`);
  assert.ok([200, 202].includes(resume.status), JSON.stringify(resume.body));
  const finished = await waitForJob(replay, resumable.id);
  assert.equal(finished.state, 'completed');
  const events = await progressEvents;
  assert.ok(events.filter((e) => e.event === 'progress').length >= 3, `progress events: ${events.length}`);
  assert.equal(events.at(-1)?.event, 'end');
  assert.ok(events.some((e) => e.event === 'progress' && (JSON.parse(e.data) as JobView).state === 'paused'), 'the stream showed the pause');
  const got = await readSettled(t, kafka, paused, { atLeast: ids.length, quietMs: 1000 });
  assertExactlyOnce(got, ids, 'paused and resumed');
  assertPerKeyOrder(got, ids, 'paused and resumed');

  // Cancel.
  const cancelled = uniqueName('replay.cancelled');
  deleteTopicAfter(t, cancelled);
  const running = await startJob(replay, { source: { eventTypes: [type.name] }, target: { kind: 'topic', topic: cancelled }, rateLimit: 100 });
  await sleep(800);
  const asked = performance.now();
  const cancel = await replay.call<JobView>('reader', 'POST', `/v1/replays/${running.id}/cancel`);
  const took = performance.now() - asked;
  assert.equal(cancel.status, 200);
  assert.equal(cancel.body.state, 'cancelled');
  assert.ok(took < 1000, `cancelled in ${took.toFixed(0)} ms`);
  const written = cancel.body.counts.written;
  await sleep(1000);
  const later = await replay.call<JobView>('reader', 'GET', `/v1/replays/${running.id}`);
  assert.equal(later.body.counts.written, written, 'nothing was written after the cancel');
  const admin = (await testKafka()).admin();
  await admin.connect();
  t.after(() => admin.disconnect());
  const inTopic = (await admin.fetchTopicOffsets(cancelled)).reduce((n, p) => n + Number(p.high), 0);
  // Each committed transaction adds one control record per partition written.
  assert.ok(inTopic < ids.length, `the cancelled job stopped part-way: ${inTopic} offsets used`);
  const again = await replay.call<{ code: string }>('reader', 'POST', `/v1/replays/${running.id}/resume`);
  assert.equal(again.status, 409);
  assert.equal(again.body.code, 'conflict');
  const notOwner = await replay.call<{ code: string }>('writer', 'POST', `/v1/replays/${resumable.id}/cancel`);
  assert.equal(notOwner.status, 403);
});

test('dead letters are redriven to the subscription\'s destination, optionally filtered, and the job says how many', async (t) => {
  const registry = await startRegistry(t);
  const publisher = await startTestPublisher(t, { registryUrl: registry.url });
  const router = await startTestRouter(t, { publisher, registryUrl: registry.url });
  const replay = await startTestReplay(t, { publisher, registryUrl: registry.url, subscriptionsTopic: router.subscriptionsTopic });
  const kafka = await testKafka();
  const type = await declareRideType(t, publisher);
  // The subscription reads the data: undecodable events are dead-lettered.
  const sub = await subscribe(t, router, { eventTypes: [type.name], pattern: { data: { rideId: [{ exists: true }] } }, failure: { retry: { maxAttempts: 1 }, then: 'dead-letter' } });
  const good = await publishRides(publisher, type.name, rides(0, 30, 5));
  const [template] = await readSettled(t, kafka, sub.topic, { atLeast: good.length, quietMs: 500 });
  const poison = Array.from({ length: 6 }, (_, i) => ({
    id: `poison-${i}`,
    record: poisonOf({ ...eventOf(template!.message), subject: i % 2 === 0 ? 'rides/even' : 'rides/odd' }, publisher.keyring, `poison-${i}`),
  }));
  await produceRaw(kafka, type.topic, poison.map((p) => p.record));
  const dead = await readSettled(t, kafka, sub.dlq, { atLeast: poison.length, quietMs: 1000 });
  assert.equal(dead.length, poison.length);

  const forbidden = await replay.call<{ code: string }>('outsider', 'POST', `/v1/subscriptions/${sub.name}/redrive`, {});
  assert.equal(forbidden.status, 403);
  const res = await replay.call<JobView>('reader', 'POST', `/v1/subscriptions/${sub.name}/redrive`, { pattern: { subject: ['rides/even'] } });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  const job = await waitForJob(replay, res.body.id);
  assert.equal(job.state, 'completed', JSON.stringify(job.error));
  assert.equal(job.kind, 'redrive');
  assert.equal(job.counts.written, 3, 'the even ones were redriven');

  const destination = await readSettled(t, kafka, sub.topic, { atLeast: good.length + 3, quietMs: 1000 });
  const redriven = destination.filter((d) => d.headers['herald-replay'] === job.id);
  assert.deepEqual(redriven.map((d) => d.id).sort(), poison.filter((_, i) => i % 2 === 0).map((p) => p.id).sort());
  for (const record of redriven) {
    assert.equal(record.headers['herald-error-code'], undefined, 'error headers are dropped');
    assert.equal(record.headers['herald-origin-topic'], type.topic, 'origin headers stay');
    assert.equal(headerStrings(record.message)['herald-subscription'], sub.name);
  }

  // The subscriber (the subscription's owner) may rewind its group on the destination topic.
  const group = uniqueName('billing-consumers');
  const dry = await replay.call<{ topic: string; partitions: Array<{ partition: number; from: string | null; to: string }> }>('reader', 'POST', `/v1/consumer-groups/${group}/rewind`, {
    subscription: sub.name,
    to: { earliest: true },
    dryRun: true,
  });
  assert.equal(dry.status, 200, JSON.stringify(dry.body));
  assert.equal(dry.body.topic, sub.topic);
  assert.ok(dry.body.partitions.length > 0 && dry.body.partitions.every((p) => p.from === null && p.to === '0'));
  const stranger = await replay.call<{ code: string }>('outsider', 'POST', `/v1/consumer-groups/${group}/rewind`, { subscription: sub.name, to: { earliest: true } });
  assert.equal(stranger.status, 403);
});

test('a replay into an HTTP endpoint posts CloudEvents batches, retries a failing endpoint with backoff, and refuses URLs not configured', async (t) => {
  const received: Array<{ id: string; type: string; data: { rideId: string; seq: number } }> = [];
  const contentTypes = new Set<string>();
  let requests = 0;
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      requests++;
      // The first two answers are failures the sink must retry.
      if (requests === 1) {
        res.writeHead(503).end('warming up');
        return;
      }
      if (requests === 2) {
        res.writeHead(429, { 'retry-after': '0' }).end();
        return;
      }
      contentTypes.add(String(req.headers['content-type']));
      received.push(...(JSON.parse(body) as typeof received));
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const { port } = server.address() as AddressInfo;

  const registry = await startRegistry(t);
  const publisher = await startTestPublisher(t, { registryUrl: registry.url });
  const replay = await startTestReplay(t, { publisher, registryUrl: registry.url, env: { HERALD_REPLAY_HTTP_TARGETS: `http://127.0.0.1:${port}/hooks/` } });
  const type = await declareRideType(t, publisher);
  const ids = await publishRides(publisher, type.name, rides(0, 250));

  const refused = await replay.call<{ code: string }>('reader', 'POST', '/v1/replays', { source: { eventTypes: [type.name] }, target: { kind: 'http', url: `http://127.0.0.1:${port}/elsewhere` } });
  assert.equal(refused.status, 422);
  assert.equal(refused.body.code, 'invalid_target');

  const job = await waitForJob(replay, (await startJob(replay, { source: { eventTypes: [type.name] }, target: { kind: 'http', url: `http://127.0.0.1:${port}/hooks/rides`, batchSize: 100 } })).id);
  assert.equal(job.state, 'completed', JSON.stringify(job.error));
  assert.equal(job.counts.written, ids.length);
  assert.deepEqual([...contentTypes], ['application/cloudevents-batch+json']);
  assert.deepEqual(new Set(received.map((e) => e.id)), new Set(ids), 'every event arrived');
  assert.ok(requests >= 2 + Math.ceil(ids.length / 100), `batched, with the retries: ${requests} requests`);
  const sample = received[0]!;
  assert.equal(sample.type, type.name);
  assert.match(sample.data.rideId, /^r-\d+$/, 'the data arrives decoded');
});

async function collectEvents(response: Response): Promise<Array<{ event: string; data: string }>> {
  const events: Array<{ event: string; data: string }> = [];
  const text = await response.text();
  for (const block of text.split('\n\n')) {
    const event = /^event: (.*)$/m.exec(block)?.[1];
    const data = /^data: (.*)$/m.exec(block)?.[1];
    if (event && data) events.push({ event, data });
  }
  return events;
}
