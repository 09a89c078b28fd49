// The HTTP sink against a real node:http server on port 0 that answers as each test says.
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, test, type TestContext } from 'node:test';
import type { HeraldAttributes } from '@herald/envelope';
import { HttpSink, HttpTargetError, cloudEventJson, type HttpSinkOptions } from './http.js';
import type { ReplayItem } from './sink.js';

interface Received {
  headers: IncomingHttpHeaders;
  text: string;
  at: number;
}

type Answer = { status: number; headers?: Record<string, string>; body?: string } | 'drop';

async function startTarget(t: TestContext, answer: (index: number) => Answer): Promise<{ url: string; requests: Received[] }> {
  const requests: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      requests.push({ headers: req.headers, text: Buffer.concat(chunks).toString('utf8'), at: Date.now() });
      const reply = answer(requests.length - 1);
      if (reply === 'drop') {
        req.socket.destroy();
        return;
      }
      res.writeHead(reply.status, reply.headers);
      res.end(reply.body ?? '');
    });
  });
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  t.after(async () => {
    server.closeAllConnections();
    await new Promise((closed) => server.close(closed));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/events`, requests };
}

// Fast enough for tests; the backoff itself is @herald/catalog's.
const QUICK: HttpSinkOptions['retry'] = { maxAttempts: 4, initialBackoffMs: 1, maxBackoffMs: 5, jitter: 0 };

const attributes = (n: number): HeraldAttributes => ({
  specversion: '1.0',
  id: `ride-${n}-requested`,
  source: 'https://rides.acme.example/dispatch',
  type: 'com.acme.rides.ride.requested',
  time: '2026-11-26T10:00:00.000Z',
  recordedtime: '2026-11-26T10:00:00.120Z',
  subject: `rides/r-${n}`,
  partitionkey: `r-${n}`,
  dataschema: 'https://registry.acme.example/schemas/ids/7',
  datacontenttype: 'application/avro',
  authtype: 'api_key',
  authid: 'rides-service',
  traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
});

function item(n: number, options: { tombstone?: boolean } = {}): ReplayItem {
  return {
    topic: 'events.com.acme.rides.ride.requested',
    partition: 2,
    offset: String(100 + n),
    key: Buffer.from(`r-${n}`),
    value: options.tombstone ? null : Buffer.from('avro bytes'),
    headers: {},
    timestamp: '1795687200000',
    attributes: options.tombstone ? undefined : attributes(n),
    data: options.tombstone ? undefined : { rideId: `r-${n}`, riderId: `rider-${n}` },
  };
}

describe('HttpSink', () => {
  test('POSTs the batch as one CloudEvents JSON batch and skips tombstones', async (t) => {
    const target = await startTarget(t, () => ({ status: 202 }));
    const sink = new HttpSink({ url: target.url, headers: { authorization: 'Bearer target-token' }, retry: QUICK });
    const result = await sink.write([item(1), item(2, { tombstone: true }), item(3)]);

    assert.deepEqual(result, { written: 2, skipped: 1 });
    assert.equal(target.requests.length, 1);
    const [request] = target.requests;
    assert.equal(request?.headers['content-type'], 'application/cloudevents-batch+json');
    assert.equal(request.headers.authorization, 'Bearer target-token');
    assert.match(String(request.headers['idempotency-key']), /^[0-9a-f]{64}$/);
    const batch = JSON.parse(request.text) as Array<Record<string, unknown>>;
    assert.ok(Array.isArray(batch));
    assert.deepEqual(
      batch.map((event) => event.id),
      ['ride-1-requested', 'ride-3-requested'],
    );
    assert.deepEqual(batch[0], {
      specversion: '1.0',
      id: 'ride-1-requested',
      source: 'https://rides.acme.example/dispatch',
      type: 'com.acme.rides.ride.requested',
      time: '2026-11-26T10:00:00.000Z',
      subject: 'rides/r-1',
      datacontenttype: 'application/json',
      dataschema: 'https://registry.acme.example/schemas/ids/7',
      recordedtime: '2026-11-26T10:00:00.120Z',
      partitionkey: 'r-1',
      authtype: 'api_key',
      authid: 'rides-service',
      traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      data: { rideId: 'r-1', riderId: 'rider-1' },
    });
  });

  test('leaves out the optional attributes an event does not have', () => {
    const { subject: _subject, dataschema: _dataschema, authid: _authid, traceparent: _traceparent, ...bare } = attributes(1);
    const event = cloudEventJson({ attributes: { ...bare, sequence: '7' }, data: null });
    assert.deepEqual(Object.keys(event).sort(), ['authtype', 'data', 'datacontenttype', 'id', 'partitionkey', 'recordedtime', 'sequence', 'source', 'specversion', 'time', 'type']);
    assert.equal(event.sequence, '7');
  });

  test('sends nothing for a batch of tombstones', async (t) => {
    const target = await startTarget(t, () => ({ status: 200 }));
    const result = await new HttpSink({ url: target.url, retry: QUICK }).write([item(1, { tombstone: true })]);
    assert.deepEqual(result, { written: 0, skipped: 1 });
    assert.equal(target.requests.length, 0);
  });

  test('retries a 503 and a dropped connection with the same body and Idempotency-Key, then succeeds', async (t) => {
    const target = await startTarget(t, (index) => (index === 0 ? { status: 503, body: 'busy' } : index === 1 ? 'drop' : { status: 200 }));
    const result = await new HttpSink({ url: target.url, retry: QUICK }).write([item(1), item(2)]);

    assert.deepEqual(result, { written: 2, skipped: 0 });
    assert.equal(target.requests.length, 3);
    const [first, ...retried] = target.requests;
    for (const request of retried) {
      assert.equal(request.text, first?.text);
      assert.equal(request.headers['idempotency-key'], first?.headers['idempotency-key']);
    }
  });

  test('a different batch gets a different Idempotency-Key', async (t) => {
    const target = await startTarget(t, () => ({ status: 200 }));
    const sink = new HttpSink({ url: target.url, retry: QUICK });
    await sink.write([item(1), item(2)]);
    await sink.write([item(1), item(3)]);
    assert.notEqual(target.requests[0]?.headers['idempotency-key'], target.requests[1]?.headers['idempotency-key']);
  });

  test('waits the Retry-After of a 429 rather than the backoff', async (t) => {
    const target = await startTarget(t, (index) => (index === 0 ? { status: 429, headers: { 'retry-after': '1' } } : { status: 204 }));
    const result = await new HttpSink({ url: target.url, retry: QUICK }).write([item(1)]);

    assert.deepEqual(result, { written: 1, skipped: 0 });
    assert.equal(target.requests.length, 2);
    const waited = target.requests[1]!.at - target.requests[0]!.at;
    assert.ok(waited >= 950, `waited ${waited} ms, not the 1 s of Retry-After`);
  });

  test('fails at once on a 400, quoting the status and the body', async (t) => {
    const target = await startTarget(t, () => ({ status: 400, body: `{"error":"bad event"}${'x'.repeat(1000)}` }));
    const failure = await new HttpSink({ url: target.url, retry: QUICK }).write([item(1)]).then(
      () => assert.fail('write resolved'),
      (err: unknown) => err,
    );

    assert.ok(failure instanceof HttpTargetError);
    assert.equal(failure.code, 'http_target_rejected');
    assert.equal(failure.retriable, false);
    assert.equal(failure.status, 400);
    assert.match(failure.message, /HTTP 400: \{"error":"bad event"\}x+$/);
    assert.ok(failure.message.endsWith(`: ${`{"error":"bad event"}${'x'.repeat(1000)}`.slice(0, 500)}`), 'quotes 500 characters of the body');
    assert.equal(target.requests.length, 1);
  });

  test('gives up with http_target_unavailable once the attempts are spent', async (t) => {
    const target = await startTarget(t, () => ({ status: 502, body: 'bad gateway' }));
    const failure = await new HttpSink({ url: target.url, retry: QUICK }).write([item(1)]).then(
      () => assert.fail('write resolved'),
      (err: unknown) => err,
    );

    assert.ok(failure instanceof HttpTargetError);
    assert.equal(failure.code, 'http_target_unavailable');
    assert.equal(failure.retriable, true);
    assert.equal(failure.attempts, 4);
    assert.match(failure.message, /4 times; the last: HTTP 502: bad gateway/);
    assert.equal(target.requests.length, 4);
  });

  test('an attempt that gets no answer in time counts as a failed attempt', async (t) => {
    // A target that never answers.
    const silent = createServer(() => undefined);
    await new Promise<void>((listening) => silent.listen(0, '127.0.0.1', listening));
    t.after(async () => {
      silent.closeAllConnections();
      await new Promise((closed) => silent.close(closed));
    });
    const sink = new HttpSink({ url: `http://127.0.0.1:${(silent.address() as AddressInfo).port}/`, timeoutMs: 50, retry: { ...QUICK, maxAttempts: 2 } });
    const failure = await sink.write([item(1)]).then(
      () => assert.fail('write resolved'),
      (err: unknown) => err,
    );

    assert.ok(failure instanceof HttpTargetError);
    assert.equal(failure.code, 'http_target_unavailable');
    assert.equal(failure.attempts, 2);
    assert.match(failure.message, /no answer within 50 ms/);
  });

  test('an abort during the backoff rejects with the signal’s reason within 100 ms', async (t) => {
    const target = await startTarget(t, () => ({ status: 503 }));
    const sink = new HttpSink({ url: target.url, retry: { maxAttempts: 8, initialBackoffMs: 30_000, maxBackoffMs: 30_000, jitter: 0 } });
    const controller = new AbortController();
    const reason = new Error('replay job cancelled');
    const writing = sink.write([item(1)], controller.signal);
    while (target.requests.length === 0) await new Promise((tick) => setTimeout(tick, 5));
    // Let the sink read the 503 and start its 30 s backoff.
    await new Promise((tick) => setTimeout(tick, 50));

    const abortedAt = Date.now();
    controller.abort(reason);
    await assert.rejects(writing, (err) => err === reason);
    const took = Date.now() - abortedAt;
    assert.ok(took < 100, `rejected ${took} ms after the abort`);
    assert.equal(target.requests.length, 1);
  });

  test('an aborted signal sends nothing', async (t) => {
    const target = await startTarget(t, () => ({ status: 200 }));
    const reason = new Error('stopped');
    await assert.rejects(new HttpSink({ url: target.url }).write([item(1)], AbortSignal.abort(reason)), (err) => err === reason);
    assert.equal(target.requests.length, 0);
  });

  test('refuses a url that is not http(s)', () => {
    assert.throws(() => new HttpSink({ url: 'ftp://example.com/' }), TypeError);
    assert.throws(() => new HttpSink({ url: '/relative' }), TypeError);
  });
});
