// The TypeScript SDK against a real publisher: the example domain's event types declared,
// typed publishing of state and notification events, and decoding on the consuming side.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DecodeError, EventDecoder, HeraldApiError, HeraldClient } from '@herald/client';
import { loadEventTypeDeclarations } from '@herald/schemas';
import { consumeUntil, deleteTopicAfter, testKafka } from './helpers/kafka.js';
import { startTestPublisher } from './helpers/publisher.js';
import { startRegistry } from './helpers/registry.js';
import { requested, type AcmeTypes, type Ride } from './helpers/rides.js';

test('the SDK declares the example domain, publishes typed events, and decodes them on the consuming side', async (t) => {
  const registry = await startRegistry(t);
  const publisher = await startTestPublisher(t, { registryUrl: registry.url });
  const admin = new HeraldClient<AcmeTypes>({ url: publisher.url, apiKey: publisher.tokens.admin });
  const rides = new HeraldClient<AcmeTypes>({ url: publisher.url, apiKey: publisher.tokens.writer });

  for (const declaration of loadEventTypeDeclarations()) {
    const created = await admin.eventTypes.create({ ...declaration, owner: 'rides-team' } as Parameters<typeof admin.eventTypes.create>[0]);
    assert.equal(created.name, declaration.name);
    deleteTopicAfter(t, created.topicName);
    if (created.latestStateTopicName) deleteTopicAfter(t, created.latestStateTopicName);
  }
  assert.deepEqual((await rides.eventTypes.list()).map((e) => e.name).sort(), loadEventTypeDeclarations().map((d) => d.name).sort());

  const first = await rides.publish('com.acme.rides.ride.requested', { data: requested('r-sdk-1'), subject: 'rides/r-sdk-1' });
  assert.equal(first.duplicate, false);
  const batch = await rides.publishBatch('com.acme.rides.ride.accepted', [
    { data: { ...requested('r-sdk-1'), status: 'ACCEPTED', driverId: 'd-1', acceptedAt: 1_790_000_060_000 } },
    { data: { ...requested('r-sdk-2'), status: 'ACCEPTED', driverId: 'd-2', acceptedAt: 1_790_000_061_000 } },
  ]);
  assert.equal(batch.length, 2);
  // Publishing the same event again (as a retry would) is acknowledged as a duplicate, not written.
  const again = await rides.publish('com.acme.rides.ride.requested', { id: first.id, data: requested('r-sdk-1') });
  assert.deepEqual(again, { ...first, duplicate: true });

  // Notification events must say where the state is.
  const settled = { paymentId: 'p-1', rideId: 'r-sdk-1', amountCents: 1250, currency: 'EUR', settledAt: 1_790_000_900_000 };
  await assert.rejects(admin.publish('com.acme.payments.payment.settled', { data: settled }), (err: unknown) => {
    assert.ok(err instanceof HeraldApiError);
    assert.equal(err.status, 422);
    assert.equal(err.code, 'invalid_event');
    assert.ok(err.errors.some((e) => e.path === '/dataref'));
    return true;
  });
  await admin.publish('com.acme.payments.payment.settled', { data: settled, dataref: 'https://payments.acme.example/payments/p-1' });
  await assert.rejects(rides.publish('com.acme.payments.payment.settled', { data: settled, dataref: 'https://x.example/p' }), (err: unknown) => err instanceof HeraldApiError && err.status === 403);

  const kafka = await testKafka();
  const isFirst = (r: { partition: number; offset: string }) => r.partition === first.partition && r.offset === first.offset;
  const found = (await consumeUntil(t, kafka, 'events.com.acme.rides.ride.requested', (received) => received.some(isFirst))).find(isFirst)!;
  const decoder = new EventDecoder({ keyring: publisher.keyring, registry: registry.url });
  const decoded = await decoder.decode<Ride>(found);
  assert.equal(decoded.attributes.id, first.id);
  assert.equal(decoded.attributes.type, 'com.acme.rides.ride.requested');
  assert.equal(decoded.attributes.subject, 'rides/r-sdk-1');
  assert.equal(decoded.attributes.authid, 'rides-service');
  assert.deepEqual(decoded.data, requested('r-sdk-1'));

  const tampered = { ...found, value: Buffer.concat([found.value!.subarray(0, -1), Buffer.from([found.value!.at(-1)! ^ 1])]) };
  await assert.rejects(decoder.decode(tampered), (err: unknown) => err instanceof DecodeError && err.code === 'bad_signature');
});
