import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { Authenticator, generateApiKey, type Principal } from '@herald/auth';
import { HttpProblem, createLogger, createMetrics, listen } from '@herald/runtime';
import { operationsOf } from '@herald/runtime/testing';
import { createApp } from './app.js';
import type { GroupRewinder } from './groups.js';
import type { ReplayLog } from './jobs/log.js';
import { emptyCounts, type JobState, type Progress, type ReplayJob } from './jobs/model.js';
import { replayOpenApi } from './openapi.js';
import type { ReplayAdmin } from './replays-api.js';

const ID = '0193a5c4-6f1e-7c3a-9d2b-5e8f1a2b3c4d';

function jobRecord(id: string): ReplayJob {
  const at = '2026-11-26T10:00:00.000Z';
  return {
    name: id,
    kind: 'replay',
    owner: 'analytics',
    spec: { source: { eventTypes: ['com.acme.rides.ride.completed'] }, from: { earliest: true }, to: { latest: true }, mode: 'history', target: { kind: 'topic', topic: 'replay.rides' }, dryRun: false },
    control: 'run',
    revision: 1,
    createdAt: at,
    updatedAt: at,
  };
}

function progressOf(id: string, state: JobState, position: number): Progress {
  const segment = { topic: 'events.com.acme.rides.ride.completed', partition: 0, phase: 'history' as const, start: '0', end: '100', position: String(position), read: position, matched: position };
  return { name: id, state, phase: 'history', segments: [segment], counts: { ...emptyCounts(), read: position, matched: position, written: position }, rate: 0, updatedAt: new Date(position).toISOString() };
}

/** The app over stand-ins that record what they were asked: the HTTP layer alone. */
async function start(t: TestContext) {
  const key = generateApiKey('analytics');
  const calls: string[] = [];
  const rejected: string[] = [];
  const rewinds: string[] = [];
  const record =
    (name: string, answer: (principal: Principal, ...args: unknown[]) => unknown) =>
    (principal: Principal, ...args: unknown[]) => {
      calls.push(`${name} ${principal.id} ${JSON.stringify(args)}`);
      return answer(principal, ...args);
    };
  const notFound = (id: unknown) => new HttpProblem('not_found', 'No such replay', { detail: `there is no replay job '${String(id)}'` });

  // The replays topic as the app sees it: jobs, their progress, and who listens for changes.
  const jobs = new Map<string, ReplayJob>();
  const progress = new Map<string, Progress>();
  const listeners = new Set<(id: string) => void>();
  const log = {
    job: (id: string) => jobs.get(id),
    progressOf: (id: string) => progress.get(id),
    onChange(listener: (id: string) => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  } as unknown as ReplayLog;
  const change = (id: string, next: Progress) => {
    progress.set(id, next);
    for (const listener of listeners) listener(id);
  };

  const replays = {
    list: record('list', () => []),
    create: record('create', async () => ({ id: ID })),
    get: record('get', (_p, id) => {
      if (!jobs.has(id as string)) throw notFound(id);
      return { id };
    }),
    visible: record('visible', (_p, id) => {
      if (!jobs.has(id as string)) throw notFound(id);
      return jobs.get(id as string);
    }),
    // `busy`: the runner does not act in time.
    control: record('control', async (_p, id, action) => ({ applied: id !== 'busy', job: { id, action } })),
    redrive: record('redrive', async () => ({ id: ID, kind: 'redrive' })),
  } as unknown as ReplayAdmin;
  const rewinder = {
    rewind: async (principal: Principal, group: string, body: unknown) => {
      calls.push(`rewind ${principal.id} ${JSON.stringify([group, body])}`);
      if (group === 'running') throw new HttpProblem('group_active', 'The consumer group has members');
      return { group, dryRun: (body as { dryRun?: boolean }).dryRun === true };
    },
  } as unknown as GroupRewinder;

  const service = createApp({
    logger: createLogger({ service: 'replay', level: 'silent' }),
    metrics: createMetrics({ service: 'replay', defaultMetrics: false }),
    authenticator: new Authenticator({ apiKeys: [key.entry] }),
    replays,
    log,
    rewinder,
    readiness: {},
    bodyLimitBytes: 1024,
    onRejected: (code) => rejected.push(code),
    onRewind: (outcome) => rewinds.push(outcome),
    keepAliveMs: 20,
  });
  const server = await listen(service.app, { port: 0, host: '127.0.0.1' });
  t.after(() => {
    service.closeStreams();
    return server.close(100);
  });
  const authorization = `Bearer ${key.token}`;
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers: { authorization, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : undefined) as Record<string, unknown> };
  };
  const stream = (id: string) => fetch(`${server.url}/v1/replays/${id}/events`, { headers: { authorization } });
  return { service, call, stream, calls, rejected, rewinds, jobs, progress, change, listeners, url: server.url };
}

/** The server-sent events of a finished stream, in order. */
function eventsOf(text: string): Array<{ event: string; data: unknown }> {
  return text
    .split('\n\n')
    .filter((block) => block.startsWith('event: '))
    .map((block) => {
      const [event, data] = block.split('\n') as [string, string];
      return { event: event.slice('event: '.length), data: JSON.parse(data.slice('data: '.length)) as unknown };
    });
}

test('the routes reach the replays and the rewinder with the caller’s principal', async (t) => {
  const { call, calls, rewinds, jobs } = await start(t);
  jobs.set(ID, jobRecord(ID));
  assert.deepEqual((await call('GET', '/v1/replays')).body, { items: [] });
  const created = await call('POST', '/v1/replays', { source: { eventTypes: ['a.b.c'] } });
  assert.equal(created.status, 201);
  assert.equal(created.headers.get('location'), `/v1/replays/${ID}`);
  assert.deepEqual((await call('GET', `/v1/replays/${ID}`)).body, { id: ID });
  const redrive = await call('POST', '/v1/subscriptions/billing.rides/redrive', {});
  assert.equal(redrive.status, 201);
  assert.equal(redrive.headers.get('location'), `/v1/replays/${ID}`);
  const rewound = await call('POST', '/v1/consumer-groups/invoicer/rewind', { subscription: 'billing.rides', to: { earliest: true }, dryRun: true });
  assert.equal(rewound.status, 200);
  assert.deepEqual(rewound.body, { group: 'invoicer', dryRun: true });
  assert.equal((await call('POST', '/v1/consumer-groups/invoicer/rewind', { subscription: 'billing.rides', to: { earliest: true } })).status, 200);
  assert.deepEqual(calls, [
    'list analytics []',
    'create analytics [{"source":{"eventTypes":["a.b.c"]}}]',
    `get analytics ["${ID}"]`,
    'redrive analytics ["billing.rides",{}]',
    'rewind analytics ["invoicer",{"subscription":"billing.rides","to":{"earliest":true},"dryRun":true}]',
    'rewind analytics ["invoicer",{"subscription":"billing.rides","to":{"earliest":true}}]',
  ]);
  assert.deepEqual(rewinds, ['dry_run', 'applied']);
});

test('pause, resume and cancel take no body: 200 once the runner acted, 202 when it only recorded the control', async (t) => {
  const { call, calls } = await start(t);
  for (const action of ['pause', 'resume', 'cancel']) {
    const applied = await call('POST', `/v1/replays/${ID}/${action}`);
    assert.equal(applied.status, 200, action);
    assert.deepEqual(applied.body, { id: ID, action });
  }
  const recorded = await call('POST', '/v1/replays/busy/pause');
  assert.equal(recorded.status, 202);
  assert.deepEqual(recorded.body, { id: 'busy', action: 'pause' });
  assert.deepEqual(calls, [`control analytics ["${ID}","pause"]`, `control analytics ["${ID}","resume"]`, `control analytics ["${ID}","cancel"]`, 'control analytics ["busy","pause"]']);
});

test('/v1 needs a credential and JSON bodies; problems are problem+json and counted by code', async (t) => {
  const { call, calls, rejected, rewinds } = await start(t);
  const anonymous = await call('GET', '/v1/replays', undefined, { authorization: '' });
  assert.equal(anonymous.status, 401);
  assert.equal(anonymous.headers.get('content-type'), 'application/problem+json; charset=utf-8');
  assert.match(anonymous.headers.get('www-authenticate') ?? '', /^Bearer/);
  assert.equal((await call('POST', `/v1/replays/${ID}/cancel`, undefined, { authorization: '' })).status, 401, 'controls need a credential too');
  const notJson = await call('POST', '/v1/replays', 'source=a.b.c', { 'content-type': 'text/plain' });
  assert.equal(notJson.status, 415);
  assert.equal(notJson.body.code, 'unsupported_media_type');
  assert.equal((await call('POST', '/v1/subscriptions/billing.rides/redrive')).status, 415, 'a redrive sends a JSON body, if only {}');
  assert.equal((await call('POST', '/v1/replays', '{"source":')).body.code, 'malformed_json');
  const large = await call('POST', '/v1/replays', { description: 'x'.repeat(2000) });
  assert.equal(large.status, 413);
  assert.deepEqual([large.body.code, large.body.limit, large.body.limitName], ['payload_too_large', 1024, 'bodyBytes']);
  const missing = await call('GET', '/v1/replays/nope');
  assert.equal(missing.status, 404);
  assert.equal(missing.headers.get('content-type'), 'application/problem+json; charset=utf-8');
  const unknown = await call('GET', '/v1/nothing-here');
  assert.equal(unknown.status, 404);
  assert.equal(unknown.body.code, 'not_found');
  const refused = await call('POST', '/v1/consumer-groups/running/rewind', { subscription: 'billing.rides', to: { latest: true } });
  assert.equal(refused.status, 409);
  assert.equal(refused.body.code, 'group_active');
  assert.deepEqual(rejected, ['unauthorized', 'unauthorized', 'unsupported_media_type', 'unsupported_media_type', 'malformed_json', 'payload_too_large', 'not_found', 'not_found', 'group_active']);
  assert.deepEqual(rewinds, ['refused']);
  assert.deepEqual(calls, ['get analytics ["nope"]', 'rewind analytics ["running",{"subscription":"billing.rides","to":{"latest":true}}]']);
});

test('live progress: the job now, at every change, then `end` once it has finished, and the stream closes', async (t) => {
  const { stream, jobs, change, listeners } = await start(t);
  jobs.set(ID, jobRecord(ID));
  change(ID, progressOf(ID, 'running', 10));
  const res = await stream(ID);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
  assert.equal(res.headers.get('cache-control'), 'no-cache');
  const body = res.text();
  await new Promise((resolve) => setTimeout(resolve, 60));
  change(ID, progressOf(ID, 'running', 10)); // the same: not sent again
  change('0193a5c4-0000-7000-8000-000000000000', progressOf('other', 'running', 1)); // another job's change
  change(ID, progressOf(ID, 'running', 60));
  change(ID, progressOf(ID, 'completed', 100));
  const text = await body;
  assert.match(text, /^: keep-alive$/m, 'an idle stream gets comments');
  const events = eventsOf(text);
  assert.deepEqual(
    events.map(({ event, data }) => (event === 'end' ? ['end', data] : [event, (data as { state: string; percent: number }).state, (data as { percent: number }).percent])),
    [
      ['progress', 'running', 10],
      ['progress', 'running', 60],
      ['progress', 'completed', 100],
      ['end', { state: 'completed' }],
    ],
  );
  assert.equal(listeners.size, 0, 'the stream stopped listening');
});

test('a finished job’s stream ends at once; an unknown job’s is a problem; closeStreams ends the open ones', async (t) => {
  const { service, stream, jobs, change, listeners } = await start(t);
  jobs.set(ID, jobRecord(ID));
  change(ID, progressOf(ID, 'cancelled', 40));
  assert.deepEqual(
    eventsOf(await (await stream(ID)).text()).map((e) => e.event),
    ['progress', 'end'],
  );
  const missing = await stream('0193a5c4-0000-7000-8000-000000000000');
  assert.equal(missing.status, 404);
  assert.equal(((await missing.json()) as { code: string }).code, 'not_found');

  const running = '0193a5c4-0000-7000-8000-000000000001';
  jobs.set(running, jobRecord(running));
  change(running, progressOf(running, 'running', 5));
  const open = await stream(running);
  const body = open.text();
  await new Promise((resolve) => setTimeout(resolve, 30));
  service.closeStreams();
  assert.deepEqual(
    eventsOf(await body).map((e) => e.event),
    ['progress'],
  );
  await new Promise((resolve) => setTimeout(resolve, 30));
  assert.equal(listeners.size, 0, 'the closed stream stopped listening');
});

test('/openapi.json and the operational routes need no credential', async (t) => {
  const { url } = await start(t);
  const res = await fetch(`${url}/openapi.json`);
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), JSON.parse(JSON.stringify(replayOpenApi)));
  for (const path of ['/healthz', '/readyz', '/metrics']) assert.equal((await fetch(`${url}${path}`)).status, 200, path);
});

test('the app serves exactly the routes the OpenAPI document describes', async (t) => {
  const { service } = await start(t);
  type Layer = { route?: { path: string; methods: Record<string, boolean> } };
  const { stack } = (service.app as unknown as { router: { stack: Layer[] } }).router;
  const served = stack.flatMap(({ route }) =>
    route ? Object.keys(route.methods).map((method) => `${method.toUpperCase()} ${route.path.replace(/:(\w+)/g, '{$1}')}`) : [],
  );
  const documented = operationsOf(replayOpenApi).map(({ method, path }) => `${method.toUpperCase()} ${path}`);
  assert.deepEqual(served.sort(), documented.sort());
});
