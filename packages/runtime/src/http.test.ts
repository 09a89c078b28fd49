import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { createServiceApp, listen, notFoundHandler, problemHandler, requireJson } from './http.js';
import { createLogger } from './logger.js';
import { createMetrics } from './metrics.js';
import { HttpProblem } from './problem.js';

async function startApp(t: TestContext, readiness: Record<string, () => Promise<void>>) {
  const lines: string[] = [];
  const logger = createLogger({ service: 'test', write: (l) => lines.push(l) });
  const metrics = createMetrics({ service: 'test', defaultMetrics: false });
  const service = createServiceApp({ logger, metrics, readiness, readinessTimeoutMs: 200, bodyLimit: '1kb' });
  service.app.post('/echo', (req, res) => {
    res.status(201).json(req.body);
  });
  service.app.get('/boom', () => {
    throw new Error('kaput');
  });
  service.app.get('/limited', () => {
    throw new HttpProblem('rate_limited', 'Too many requests', { headers: { 'Retry-After': '3' }, extensions: { limit: 10 } });
  });
  service.app.use(notFoundHandler);
  service.app.use(problemHandler(logger));
  const server = await listen(service.app, { port: 0, host: '127.0.0.1' });
  t.after(() => server.close());
  return { url: server.url, lines, service };
}

test('healthz answers; readyz reflects its checks and draining', async (t) => {
  let kafkaUp = true;
  const { url, service } = await startApp(t, {
    kafka: async () => {
      if (!kafkaUp) throw new Error('connection refused');
    },
    slow: () => new Promise<void>((resolve) => setTimeout(resolve, 10)),
  });
  assert.equal((await fetch(`${url}/healthz`)).status, 200);
  const ready = await fetch(`${url}/readyz`);
  assert.equal(ready.status, 200);
  assert.deepEqual(await ready.json(), { status: 'ready', checks: { kafka: 'ok', slow: 'ok' } });

  kafkaUp = false;
  const notReady = await fetch(`${url}/readyz`);
  assert.equal(notReady.status, 503);
  assert.equal(notReady.headers.get('content-type'), 'application/problem+json; charset=utf-8');
  const body = (await notReady.json()) as { code: string; checks: Record<string, string> };
  assert.equal(body.code, 'not_ready');
  assert.equal(body.checks.kafka, 'connection refused');

  kafkaUp = true;
  service.setDraining();
  const draining = (await (await fetch(`${url}/readyz`)).json()) as { checks: Record<string, string> };
  assert.equal(draining.checks.shutdown, 'draining');
});

test('a check that hangs makes readyz fail within its timeout', async (t) => {
  const { url } = await startApp(t, { hung: () => new Promise<void>(() => undefined) });
  const started = Date.now();
  const res = await fetch(`${url}/readyz`);
  assert.equal(res.status, 503);
  assert.ok(Date.now() - started < 1500);
  assert.match(((await res.json()) as { checks: { hung: string } }).checks.hung, /did not answer within 200 ms/);
});

test('bad input and failures are answered as problem+json with stable codes', async (t) => {
  const { url, lines } = await startApp(t, {});
  const cases: Array<[Promise<Response>, number, string]> = [
    [fetch(`${url}/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":' }), 400, 'malformed_json'],
    [fetch(`${url}/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ a: 'x'.repeat(2000) }) }), 413, 'payload_too_large'],
    [fetch(`${url}/nowhere`), 404, 'not_found'],
    [fetch(`${url}/boom`), 500, 'internal'],
    [fetch(`${url}/limited`), 429, 'rate_limited'],
  ];
  for (const [pending, status, code] of cases) {
    const res = await pending;
    assert.equal(res.status, status, code);
    assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
    const body = (await res.json()) as { code: string; status: number; type: string; title: string };
    assert.equal(body.code, code);
    assert.equal(body.status, status);
    assert.ok(body.type.endsWith(code.replaceAll('_', '-')));
  }
  const limited = await fetch(`${url}/limited`);
  assert.equal(limited.headers.get('retry-after'), '3');
  assert.equal(((await limited.json()) as { limit: number }).limit, 10);
  const logged = lines.map((l) => JSON.parse(l) as { level: string; msg: string; err?: { message: string } });
  assert.ok(logged.some((l) => l.level === 'error' && l.err?.message === 'kaput'), 'a 500 is logged with its cause');
  const ok = await fetch(`${url}/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' });
  assert.equal(ok.status, 201);
  assert.deepEqual(await ok.json(), { a: 1 });
});

test('metrics expose request durations by route template', async (t) => {
  const { url } = await startApp(t, {});
  await fetch(`${url}/healthz`);
  const text = await (await fetch(`${url}/metrics`)).text();
  assert.match(text, /herald_http_request_duration_seconds_count\{service="test",method="GET",route="\/healthz",status="200"\} 1/);
});

test('requireJson refuses a POST or PUT body that is not application/json; other methods pass', async (t) => {
  const logger = createLogger({ service: 'test', level: 'silent' });
  const service = createServiceApp({ logger, metrics: createMetrics({ service: 'test', defaultMetrics: false }), jsonTypes: ['application/json'] });
  service.app.use('/v1', requireJson);
  service.app.all('/v1/echo', (req, res) => {
    res.json({ method: req.method, body: (req.body as unknown) ?? null });
  });
  service.app.use(problemHandler(logger));
  const server = await listen(service.app, { port: 0, host: '127.0.0.1' });
  t.after(() => server.close());
  for (const method of ['POST', 'PUT']) {
    const text = await fetch(`${server.url}/v1/echo`, { method, headers: { 'content-type': 'text/plain' }, body: '{"a":1}' });
    assert.equal(text.status, 415, method);
    assert.match(text.headers.get('content-type') ?? '', /^application\/problem\+json/);
    const problem = (await text.json()) as { code: string; detail: string };
    assert.equal(problem.code, 'unsupported_media_type');
    assert.equal(problem.detail, 'send application/json, not text/plain');
    const none = (await (await fetch(`${server.url}/v1/echo`, { method })).json()) as { detail: string };
    assert.equal(none.detail, 'send application/json, not no content type');
  }
  const json = await fetch(`${server.url}/v1/echo`, { method: 'PUT', headers: { 'content-type': 'application/json; charset=utf-8' }, body: '{"a":1}' });
  assert.deepEqual(await json.json(), { method: 'PUT', body: { a: 1 } });
  assert.equal((await fetch(`${server.url}/v1/echo`, { method: 'DELETE' })).status, 200);
});

test('the OpenAPI document given is served at /openapi.json, and no route is there without one', async (t) => {
  const logger = createLogger({ service: 'test', level: 'silent' });
  const metrics = createMetrics({ service: 'test', defaultMetrics: false });
  const openApi = { openapi: '3.1.0', info: { title: 'Test', version: '1.0.0' }, paths: {} };
  const withDocument = await listen(createServiceApp({ logger, metrics, openApi }).app, { port: 0, host: '127.0.0.1' });
  t.after(() => withDocument.close());
  const served = await fetch(`${withDocument.url}/openapi.json`);
  assert.equal(served.status, 200);
  assert.match(served.headers.get('content-type') ?? '', /^application\/json/);
  assert.deepEqual(await served.json(), openApi);
  const without = createServiceApp({ logger, metrics: createMetrics({ service: 'test', defaultMetrics: false }) });
  without.app.use(notFoundHandler);
  without.app.use(problemHandler(logger));
  const bare = await listen(without.app, { port: 0, host: '127.0.0.1' });
  t.after(() => bare.close());
  assert.equal((await fetch(`${bare.url}/openapi.json`)).status, 404);
});
