import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { HeraldClient, type HeraldClientOptions } from './client.js';
import { HeraldApiError, HeraldClientError } from './errors.js';
import type { EventType } from './event-types.js';
import { accepted, closedUrl, problem, startPublisher, type Answer, type ReceivedRequest } from './test-publisher.js';

interface Ride {
  rideId: string;
  riderId: string;
}

interface PaymentSettled {
  paymentId: string;
  amountCents: number;
}

type AcmeTypes = {
  'com.acme.rides.ride.requested': Ride;
  'com.acme.payments.payment.settled': PaymentSettled;
};

const RIDE_REQUESTED = 'com.acme.rides.ride.requested';
const API_KEY = 'hk_rides-service_' + 'a'.repeat(43);
const UUIDV7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
// Fast enough for tests; the backoff itself is covered in retry.test.ts.
const QUICK_RETRY = { attempts: 3, initialDelayMs: 1, maxDelayMs: 20 };

function clientFor(url: string, options: Partial<HeraldClientOptions> = {}): HeraldClient<AcmeTypes> {
  return new HeraldClient<AcmeTypes>({ url, apiKey: API_KEY, retry: QUICK_RETRY, ...options });
}

const ride = (n: number): Ride => ({ rideId: `r-${n}`, riderId: `rider-${n}` });

describe('publish', () => {
  test('POSTs the event with a new UUIDv7 id and the API key as Bearer, and returns the 201 result', async (t) => {
    const publisher = await startPublisher(t, accepted);
    const result = await clientFor(publisher.url).publish(RIDE_REQUESTED, { data: ride(1), subject: 'rides/r-1' });

    const [request] = publisher.requests;
    assert.equal(request?.method, 'POST');
    assert.equal(request.path, '/v1/events/com.acme.rides.ride.requested');
    assert.equal(request.headers.authorization, `Bearer ${API_KEY}`);
    assert.equal(request.headers['content-type'], 'application/json');
    const body = request.body as { id: string };
    assert.match(body.id, UUIDV7);
    assert.deepEqual(body, { data: ride(1), subject: 'rides/r-1', id: body.id });
    assert.deepEqual(result, { id: body.id, partition: 0, offset: '0', duplicate: false });
  });

  test('keeps an id the caller gave, and sends a Date time as its ISO string', async (t) => {
    const publisher = await startPublisher(t, accepted);
    const time = new Date('2026-11-26T10:00:00.000Z');
    const result = await clientFor(publisher.url).publish(RIDE_REQUESTED, { data: ride(1), id: 'ride-1-requested', time });
    assert.deepEqual(publisher.requests[0]?.body, { data: ride(1), id: 'ride-1-requested', time: '2026-11-26T10:00:00.000Z' });
    assert.equal(result.id, 'ride-1-requested');
  });

  test('publishBatch sends one array, gives each event its own id, and returns the results in order', async (t) => {
    const publisher = await startPublisher(t, (request) => {
      const events = request.body as { id: string }[];
      // Out of offset order, to show results follow the request, not the offsets.
      return { status: 201, body: { events: events.map((event, i) => ({ id: event.id, partition: i, offset: String(100 - i), duplicate: i === 1 })) } };
    });
    const results = await clientFor(publisher.url).publishBatch(RIDE_REQUESTED, [{ data: ride(1) }, { data: ride(2), id: 'mine' }, { data: ride(3) }]);

    const sent = publisher.requests[0]?.body as { id: string; data: Ride }[];
    assert.deepEqual(
      sent.map((event) => event.data),
      [ride(1), ride(2), ride(3)],
    );
    assert.equal(sent[1]?.id, 'mine');
    assert.match(sent[0]!.id, UUIDV7);
    assert.match(sent[2]!.id, UUIDV7);
    assert.notEqual(sent[0]!.id, sent[2]!.id);
    assert.deepEqual(results, [
      { id: sent[0]!.id, partition: 0, offset: '100', duplicate: false },
      { id: 'mine', partition: 1, offset: '99', duplicate: true },
      { id: sent[2]!.id, partition: 2, offset: '98', duplicate: false },
    ]);
  });

  test('publishBatch of no events makes no request', async (t) => {
    const publisher = await startPublisher(t, accepted);
    assert.deepEqual(await clientFor(publisher.url).publishBatch(RIDE_REQUESTED, []), []);
    assert.equal(publisher.requests.length, 0);
  });

  test('asks a token function before every attempt, so a refreshed token is used on a retry', async (t) => {
    const publisher = await startPublisher(t, (request, i) => (i === 0 ? problem(503, 'kafka_unavailable', 'Kafka did not acknowledge in time') : accepted(request)));
    let issued = 0;
    await clientFor(publisher.url, { apiKey: undefined, token: () => Promise.resolve(`jwt-${++issued}`) }).publish(RIDE_REQUESTED, { data: ride(1) });
    assert.deepEqual(
      publisher.requests.map((request) => request.headers.authorization),
      ['Bearer jwt-1', 'Bearer jwt-2'],
    );
  });

  test('is typed per event type', () => {
    const client = new HeraldClient<AcmeTypes>({ url: 'http://127.0.0.1:1', apiKey: API_KEY });
    // Compile-time checks only: none of these calls is made.
    const _typed = () => [
      client.publish('com.acme.payments.payment.settled', { data: { paymentId: 'p-1', amountCents: 1200 } }),
      // @ts-expect-error a Ride is not the data of payment.settled
      client.publish('com.acme.payments.payment.settled', { data: ride(1) }),
      // @ts-expect-error not an event type of AcmeTypes
      client.publish('com.acme.rides.ride.vanished', { data: ride(1) }),
      // @ts-expect-error one event of a batch lacks a riderId
      client.publishBatch(RIDE_REQUESTED, [{ data: ride(1) }, { data: { rideId: 'r-2' } }]),
    ];
  });

  test('refuses options with both or neither of apiKey and token', () => {
    assert.throws(() => new HeraldClient({ url: 'http://127.0.0.1:1', apiKey: API_KEY, token: 'jwt' }), TypeError);
    assert.throws(() => new HeraldClient({ url: 'http://127.0.0.1:1' }), TypeError);
    assert.throws(() => new HeraldClient({ url: 'http://127.0.0.1:1', apiKey: API_KEY, retry: { attempts: 0 } }), RangeError);
  });
});

describe('errors', () => {
  test('a problem+json answer becomes a HeraldApiError with its status, code, title, detail and errors', async (t) => {
    const publisher = await startPublisher(t, () =>
      problem(422, 'invalid_event', 'Invalid event', {
        detail: '1 event does not match the schema',
        errors: [{ index: 0, path: '/data/riderId', message: 'must be a string' }],
      }),
    );
    const error = await clientFor(publisher.url)
      .publish(RIDE_REQUESTED, { data: ride(1) })
      .catch((e: unknown) => e);

    assert.ok(error instanceof HeraldApiError);
    assert.equal(error.status, 422);
    assert.equal(error.code, 'invalid_event');
    assert.equal(error.title, 'Invalid event');
    assert.equal(error.detail, '1 event does not match the schema');
    assert.deepEqual(error.errors, [{ index: 0, path: '/data/riderId', message: 'must be a string' }]);
    assert.equal(error.retriable, false);
    assert.equal(error.message, '422 invalid_event: Invalid event (1 event does not match the schema; event 0 /data/riderId: must be a string)');
  });

  test('keeps problem extensions such as the limit of a 413', async (t) => {
    const publisher = await startPublisher(t, () => problem(413, 'payload_too_large', 'Too many events', { limit: 500, limitName: 'batchEvents' }));
    const error = await clientFor(publisher.url)
      .publishBatch(RIDE_REQUESTED, [{ data: ride(1) }])
      .catch((e: unknown) => e);
    assert.ok(error instanceof HeraldApiError);
    assert.equal(error.code, 'payload_too_large');
    assert.equal(error.problem?.limit, 500);
    assert.equal(error.problem?.limitName, 'batchEvents');
  });

  test('an answer that is not a Herald problem is unexpected_response, with the status', async (t) => {
    const publisher = await startPublisher(t, () => ({ status: 502, headers: { 'content-type': 'text/html' }, body: '<h1>Bad Gateway</h1>' }));
    const error = await clientFor(publisher.url)
      .publish(RIDE_REQUESTED, { data: ride(1) })
      .catch((e: unknown) => e);
    assert.ok(error instanceof HeraldApiError);
    assert.equal(error.status, 502);
    assert.equal(error.code, 'unexpected_response');
    assert.equal(error.problem, undefined);
  });

  for (const [status, code] of [
    [400, 'invalid_request'],
    [401, 'unauthorized'],
    [403, 'forbidden'],
    [422, 'invalid_event'],
  ] as const) {
    test(`does not retry a ${status} ${code}`, async (t) => {
      const publisher = await startPublisher(t, () => problem(status, code, code));
      await assert.rejects(clientFor(publisher.url).publish(RIDE_REQUESTED, { data: ride(1) }), (error: unknown) => error instanceof HeraldApiError && error.code === code);
      assert.equal(publisher.requests.length, 1);
    });
  }
});

describe('retries', () => {
  test('retries a 503 after its Retry-After, capped by maxDelayMs, with the same event id', async (t) => {
    const publisher = await startPublisher(t, (request, i) =>
      i === 0 ? problem(503, 'kafka_unavailable', 'Kafka did not acknowledge in time', {}, { 'retry-after': '1' }) : accepted(request),
    );
    const started = performance.now();
    const result = await clientFor(publisher.url, { retry: { attempts: 3, initialDelayMs: 1, maxDelayMs: 300 } }).publish(RIDE_REQUESTED, { data: ride(1) });
    const waited = performance.now() - started;

    assert.equal(publisher.requests.length, 2);
    const [first, second] = publisher.requests.map((request) => (request.body as { id: string }).id);
    assert.equal(first, second, 'the retry carries the id, so the publisher can dedupe it');
    assert.equal(result.id, first);
    // Retry-After said 1 s; maxDelayMs caps it at 300 ms, far above the 1 ms backoff.
    assert.ok(waited >= 280 && waited < 900, `waited ${waited} ms`);
  });

  test('retries a 429', async (t) => {
    const publisher = await startPublisher(t, (request, i) => (i === 0 ? problem(429, 'rate_limited', 'Rate limit exceeded', {}, { 'retry-after': '0' }) : accepted(request)));
    await clientFor(publisher.url).publish(RIDE_REQUESTED, { data: ride(1) });
    assert.equal(publisher.requests.length, 2);
  });

  test('gives up after `attempts` tries with retries_exhausted, the last error as its cause', async (t) => {
    const publisher = await startPublisher(t, (_request, i) => problem(503, 'kafka_unavailable', `try ${i + 1}`));
    const error = await clientFor(publisher.url)
      .publish(RIDE_REQUESTED, { data: ride(1) })
      .catch((e: unknown) => e);

    assert.equal(publisher.requests.length, 3);
    assert.ok(error instanceof HeraldClientError);
    assert.equal(error.code, 'retries_exhausted');
    assert.equal(error.retriable, true);
    assert.ok(error.cause instanceof HeraldApiError);
    assert.equal(error.cause.status, 503);
    assert.equal(error.cause.title, 'try 3');
  });

  test('times out an attempt that gets no answer, and retries it since publishing is idempotent', async (t) => {
    const publisher = await startPublisher(t, () => 'hang');
    const error = await clientFor(publisher.url, { timeoutMs: 50, retry: { attempts: 2, initialDelayMs: 1, maxDelayMs: 1 } })
      .publish(RIDE_REQUESTED, { data: ride(1) })
      .catch((e: unknown) => e);

    assert.equal(publisher.requests.length, 2);
    assert.ok(error instanceof HeraldClientError && error.code === 'retries_exhausted');
    const timeout = error.cause;
    assert.ok(timeout instanceof HeraldClientError);
    assert.equal(timeout.code, 'timeout');
    assert.match(timeout.message, /within 50 ms/);
    assert.equal((timeout.cause as Error).name, 'TimeoutError');
  });

  test('a refused connection is a network_error wrapping the fetch failure', async () => {
    const url = await closedUrl();
    const error = await clientFor(url, { retry: { attempts: 1 } })
      .publish(RIDE_REQUESTED, { data: ride(1) })
      .catch((e: unknown) => e);
    assert.ok(error instanceof HeraldClientError && error.code === 'retries_exhausted');
    const network = error.cause;
    assert.ok(network instanceof HeraldClientError);
    assert.equal(network.code, 'network_error');
    assert.match(network.message, /^POST http:\/\/127\.0\.0\.1:\d+\/v1\/events\/com\.acme\.rides\.ride\.requested failed: fetch failed: connect ECONNREFUSED/);
    assert.ok(network.cause instanceof TypeError, 'fetch rejects with a TypeError');
  });
});

describe('event types', () => {
  const definition = {
    name: 'com.acme.rides.ride.requested',
    description: 'A rider requested a ride.',
    source: 'https://rides.acme.example/dispatch',
    mode: 'state',
    schema: { type: 'record', name: 'Ride', namespace: 'com.acme.rides', fields: [{ name: 'rideId', type: 'string' }] },
    partitionKey: 'rideId',
  } as const;
  const resource: EventType = {
    ...definition,
    owner: 'rides-service',
    compatibility: 'BACKWARD',
    topic: { partitions: 6, retentionMs: 604800000, latestState: false },
    writers: [],
    readers: [],
    topicName: 'events.com.acme.rides.ride.requested',
    subject: 'events.com.acme.rides.ride.requested-value',
    schemaId: 3,
    schemaVersion: 1,
    revision: 1,
    createdAt: '2026-11-26T10:00:00.000Z',
    updatedAt: '2026-11-26T10:00:00.000Z',
  };

  function catalog(request: ReceivedRequest): Answer {
    if (request.method === 'GET' && request.path === '/v1/event-types') return { status: 200, body: { items: [resource] } };
    if (request.method === 'DELETE') return { status: 204 };
    return { status: request.method === 'POST' ? 201 : 200, body: resource };
  }

  test('create, get, list, update and delete call the API as documented', async (t) => {
    const publisher = await startPublisher(t, catalog);
    const { eventTypes } = clientFor(publisher.url);

    assert.deepEqual(await eventTypes.create(definition), resource);
    assert.deepEqual(await eventTypes.get(definition.name), resource);
    assert.deepEqual(await eventTypes.list(), [resource]);
    assert.deepEqual(await eventTypes.update(definition.name, { ...resource, description: 'Changed.' }), resource);
    assert.equal(await eventTypes.delete(definition.name), undefined);

    assert.deepEqual(
      publisher.requests.map((request) => `${request.method} ${request.path}`),
      [
        'POST /v1/event-types',
        'GET /v1/event-types/com.acme.rides.ride.requested',
        'GET /v1/event-types',
        'PUT /v1/event-types/com.acme.rides.ride.requested',
        'DELETE /v1/event-types/com.acme.rides.ride.requested',
      ],
    );
    assert.deepEqual(publisher.requests[0]?.body, definition);
    const { name: _name, ...sentBack } = { ...resource, description: 'Changed.' };
    assert.deepEqual(publisher.requests[3]?.body, sentBack, 'PUT takes the name from the path');
    assert.ok(publisher.requests.every((request) => request.headers.authorization === `Bearer ${API_KEY}`));
  });

  test('create is not sent again after a lost answer: it may have been carried out', async (t) => {
    const publisher = await startPublisher(t, () => 'drop');
    await assert.rejects(clientFor(publisher.url).eventTypes.create(definition), (error: unknown) => error instanceof HeraldClientError && error.code === 'network_error');
    assert.equal(publisher.requests.length, 1);
  });

  test('an unknown type is a not_found HeraldApiError', async (t) => {
    const publisher = await startPublisher(t, () => problem(404, 'not_found', 'No such event type'));
    await assert.rejects(clientFor(publisher.url).eventTypes.get('com.acme.nothing.here'), (error: unknown) => error instanceof HeraldApiError && error.status === 404 && error.code === 'not_found');
  });
});
