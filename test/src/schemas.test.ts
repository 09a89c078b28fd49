// @herald/schemas against a real registry: the repository's schemas register, values round-trip
// through Avro in Confluent's wire format, and after the first message of a subject the codec
// makes no registry calls at all.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SchemaCodec, loadSchemaFiles, registerSchemaFiles, schemaIdOf } from '@herald/schemas';
import { startRegistry } from './helpers/registry.js';

/** Requests the registry has served, other than /metrics itself. */
async function registryRequests(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return [...text.matchAll(/^herald_http_request_duration_seconds_count\{([^}]*)\} (\d+)$/gm)]
    .filter(([, labels]) => !labels!.includes('route="/metrics"'))
    .reduce((sum, [, , n]) => sum + Number(n), 0);
}

const ride = (i: number) => ({
  rideId: `ride-${i}`,
  riderId: `rider-${i % 7}`,
  driverId: i % 2 ? `driver-${i}` : null,
  status: 'REQUESTED',
  pickup: { lat: 52.52, lon: 13.405, address: null },
  dropoff: { lat: 52.5, lon: 13.4, address: 'Alexanderplatz' },
  requestedAt: 1_790_000_000_000 + i,
  acceptedAt: null,
  completedAt: null,
  distanceKm: null,
  fareCents: null,
  currency: 'EUR',
});

test('the example schemas register under their full names, idempotently', async (t) => {
  const { url } = await startRegistry(t);
  const codec = new SchemaCodec({ registry: url });
  const files = loadSchemaFiles();
  const ids = await registerSchemaFiles(codec, files);
  assert.deepEqual([...ids.keys()].sort(), files.map((f) => f.fullName).sort());
  assert.deepEqual(await registerSchemaFiles(new SchemaCodec({ registry: url }), files), ids, 'registering again changes nothing');
  const subjects = (await (await fetch(`${url}/subjects`)).json()) as string[];
  assert.deepEqual(subjects, [...ids.keys()].sort());
});

test('encode and decode round-trip, and the registry is asked once per subject and id, not per message', async (t) => {
  const { url } = await startRegistry(t);
  const files = loadSchemaFiles();
  const ids = await registerSchemaFiles(new SchemaCodec({ registry: url }), files);
  const producerSide = new SchemaCodec({ registry: url });
  const consumerSide = new SchemaCodec({ registry: url });
  const before = await registryRequests(url);

  const n = 500;
  const encoded: Buffer[] = [];
  for (let i = 0; i < n; i++) encoded.push(await producerSide.encode('com.acme.rides.Ride', ride(i)));
  for (const value of encoded) assert.equal(schemaIdOf(value), ids.get('com.acme.rides.Ride'));
  // avsc decodes records into class instances; compare their plain JSON.
  const plain = (value: unknown) => JSON.parse(JSON.stringify(value)) as unknown;
  for (let i = 0; i < n; i++) assert.deepEqual(plain(await consumerSide.decode(encoded[i]!)), ride(i));

  const used = (await registryRequests(url)) - before;
  // Producer side: one latest-id lookup and one schema fetch by id; consumer side: one schema fetch.
  assert.ok(used <= 3, `${used} registry requests for ${n} encodes and ${n} decodes`);

  await assert.rejects(producerSide.encode('com.acme.rides.Ride', { rideId: 'missing everything else' }), /invalid|paths/i);
});
