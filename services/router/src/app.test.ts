import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { Authenticator, generateApiKey, type Principal } from '@herald/auth';
import { HttpProblem, createLogger, createMetrics, listen } from '@herald/runtime';
import { createApp } from './app.js';
import { routerOpenApi } from './openapi.js';
import type { PatternTester } from './pattern-test.js';
import type { SubscriptionAdmin } from './subscriptions-api.js';

/** The app over stand-ins that record what they were asked: the routing of the HTTP layer alone. */
async function start(t: TestContext) {
  const key = generateApiKey('billing');
  const calls: string[] = [];
  const rejected: string[] = [];
  const record =
    (name: string, answer: (principal: Principal, ...args: unknown[]) => unknown) =>
    (principal: Principal, ...args: unknown[]) => {
      calls.push(`${name} ${principal.id} ${JSON.stringify(args)}`);
      return answer(principal, ...args);
    };
  const subscriptions = {
    list: record('list', () => []),
    get: record('get', (_p, name) => {
      if (name === 'nope') throw new HttpProblem('not_found', 'No such subscription');
      return { name };
    }),
    create: record('create', async (_p, body) => ({ ...(body as object), revision: 1 })),
    update: record('update', async (_p, name, body) => ({ ...(body as object), name })),
    remove: record('remove', async () => undefined),
  } as unknown as SubscriptionAdmin;
  const tester = { test: record('test', async () => ({ examined: 0 })) } as unknown as PatternTester;
  const { app } = createApp({
    logger: createLogger({ service: 'router', level: 'silent' }),
    metrics: createMetrics({ service: 'router', defaultMetrics: false }),
    authenticator: new Authenticator({ apiKeys: [key.entry] }),
    subscriptions,
    tester,
    readiness: {},
    bodyLimitBytes: 1024,
    onRejected: (code) => rejected.push(code),
  });
  const server = await listen(app, { port: 0, host: '127.0.0.1' });
  t.after(() => server.close(100));
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${key.token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : undefined) as Record<string, unknown> };
  };
  return { call, calls, rejected, url: server.url };
}

test('the routes reach the subscriptions and the tester with the caller’s principal', async (t) => {
  const { call, calls } = await start(t);
  assert.deepEqual((await call('GET', '/v1/subscriptions')).body, { items: [] });
  const created = await call('POST', '/v1/subscriptions', { name: 'a.b' });
  assert.equal(created.status, 201);
  assert.equal(created.headers.get('location'), '/v1/subscriptions/a.b');
  assert.equal((await call('POST', '/v1/subscriptions/test', { eventType: 'x' })).status, 200);
  // Only POST is the tester: a subscription may be called `test`.
  assert.deepEqual((await call('GET', '/v1/subscriptions/test')).body, { name: 'test' });
  assert.equal((await call('PUT', '/v1/subscriptions/a.b', { description: 'd' })).status, 200);
  assert.equal((await call('DELETE', '/v1/subscriptions/a.b')).status, 204);
  assert.deepEqual(calls, [
    'list billing []',
    'create billing [{"name":"a.b"}]',
    'test billing [{"eventType":"x"}]',
    'get billing ["test"]',
    'update billing ["a.b",{"description":"d"}]',
    'remove billing ["a.b"]',
  ]);
});

test('/v1 needs a credential and JSON bodies; problems are counted by code', async (t) => {
  const { call, calls, rejected } = await start(t);
  const anonymous = await call('GET', '/v1/subscriptions', undefined, { authorization: '' });
  assert.equal(anonymous.status, 401);
  assert.equal(anonymous.headers.get('content-type'), 'application/problem+json; charset=utf-8');
  assert.match(anonymous.headers.get('www-authenticate') ?? '', /^Bearer/);
  assert.equal((await call('POST', '/v1/subscriptions', 'name=a', { 'content-type': 'text/plain' })).status, 415);
  assert.equal((await call('POST', '/v1/subscriptions', '{"name":')).body.code, 'malformed_json');
  assert.equal((await call('POST', '/v1/subscriptions', { description: 'x'.repeat(2000) })).body.code, 'payload_too_large');
  assert.equal((await call('GET', '/v1/subscriptions/nope')).status, 404);
  assert.equal((await call('GET', '/v1/nothing-here')).body.code, 'not_found');
  assert.deepEqual(rejected, ['unauthorized', 'unsupported_media_type', 'malformed_json', 'payload_too_large', 'not_found', 'not_found']);
  assert.deepEqual(calls, ['get billing ["nope"]']);
});

test('/openapi.json and the operational routes need no credential', async (t) => {
  const { url } = await start(t);
  const res = await fetch(`${url}/openapi.json`);
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), JSON.parse(JSON.stringify(routerOpenApi)));
  for (const path of ['/healthz', '/readyz', '/metrics']) assert.equal((await fetch(`${url}${path}`)).status, 200, path);
});
