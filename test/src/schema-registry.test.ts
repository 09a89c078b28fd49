// The schema registry against a real broker: Confluent's REST API over raw HTTP and through
// @kafkajs/confluent-schema-registry, every compatibility level, every error code, bad input
// that changes nothing, a restart that serves what was served before, and two instances
// writing at once.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import avro from 'avsc';
import { call, startRegistry, type TestRegistry } from './helpers/registry.js';
import { deleteTopicAfter, testKafka } from './helpers/kafka.js';

const CT = 'application/vnd.schemaregistry.v1+json';

const ride = (fields: object[] = []) =>
  JSON.stringify({
    type: 'record',
    name: 'Ride',
    namespace: 'com.acme.rides',
    fields: [{ name: 'rideId', type: 'string' }, ...fields],
  });

/** Same Avro schema: equal parsing canonical form, and equal docs and defaults (avsc's equals ignores those). */
function assertSameSchema(actual: string, expected: string): void {
  const [a, e] = [avro.Type.forSchema(JSON.parse(actual) as avro.Schema), avro.Type.forSchema(JSON.parse(expected) as avro.Schema)];
  assert.ok(a.equals(e), `${actual} is not the same schema as ${expected}`);
  assert.deepEqual(a.schema({ exportAttrs: true }), e.schema({ exportAttrs: true }));
}

async function register(url: string, subject: string, schema: string): Promise<number> {
  const res = await call<{ id: number }>(url, 'POST', `/subjects/${subject}/versions`, { schema });
  assert.equal(res.status, 200, `register ${subject}: ${JSON.stringify(res.body)}`);
  return res.body.id;
}

/** Everything the registry serves, for before/after comparisons. */
async function snapshot(url: string): Promise<unknown> {
  const subjects = (await call<string[]>(url, 'GET', '/subjects?deleted=true')).body;
  const out: Record<string, unknown> = { global: (await call(url, 'GET', '/config')).body, subjects: {} };
  const ids = new Set<number>();
  for (const subject of subjects) {
    const versions = (await call<number[]>(url, 'GET', `/subjects/${subject}/versions?deleted=true`)).body;
    const entries = [];
    for (const v of versions) {
      const entry = (await call<{ id: number }>(url, 'GET', `/subjects/${subject}/versions/${v}?deleted=true`)).body;
      ids.add(entry.id);
      entries.push(entry);
    }
    (out.subjects as Record<string, unknown>)[subject] = {
      versions: entries,
      live: (await call(url, 'GET', `/subjects/${subject}/versions`)).body,
      config: (await call(url, 'GET', `/config/${subject}`)).body,
    };
  }
  const byId: Record<number, unknown> = {};
  for (const id of [...ids].sort((a, b) => a - b)) {
    byId[id] = { schema: (await call(url, 'GET', `/schemas/ids/${id}`)).body, versions: (await call(url, 'GET', `/schemas/ids/${id}/versions?deleted=true`)).body };
  }
  out.ids = byId;
  return out;
}

async function topicEnd(registry: TestRegistry): Promise<string> {
  const kafka = await testKafka();
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [p] = await admin.fetchTopicOffsets(registry.topic);
    return p!.high;
  } finally {
    await admin.disconnect();
  }
}

test('every endpoint of the Confluent API, over raw HTTP', async (t) => {
  const { url } = await startRegistry(t);
  const v1 = ride();
  const v2 = ride([{ name: 'driverId', type: ['null', 'string'], default: null }]);

  assert.deepEqual((await call(url, 'GET', '/schemas/types')).body, ['AVRO']);
  assert.deepEqual((await call(url, 'GET', '/subjects')).body, []);
  const created = await call<{ id: number }>(url, 'POST', '/subjects/rides-value/versions', { schema: v1 });
  assert.equal(created.status, 200);
  assert.equal(created.contentType, CT);
  const id1 = created.body.id;
  assert.equal(await register(url, 'rides-value', v1), id1, 'the same schema registered twice gets the same id');
  assert.equal(await register(url, 'rides-value', JSON.stringify(JSON.parse(v1), null, 2)), id1, 'whitespace does not make a new schema');
  const id2 = await register(url, 'rides-value', v2);
  assert.notEqual(id2, id1);
  assert.equal(await register(url, 'other-value', v1), id1, 'ids are global: the same schema under another subject has the same id');

  assert.deepEqual((await call(url, 'GET', '/subjects')).body, ['other-value', 'rides-value']);
  assert.deepEqual((await call(url, 'GET', '/subjects/rides-value/versions')).body, [1, 2]);
  // The registry answers with its canonical text of a schema: the same schema, not the same bytes.
  const canonical1 = (await call<{ schema: string }>(url, 'GET', '/subjects/rides-value/versions/1')).body.schema;
  const canonical2 = (await call<{ schema: string }>(url, 'GET', '/subjects/rides-value/versions/2')).body.schema;
  assertSameSchema(canonical1, v1);
  assertSameSchema(canonical2, v2);
  assert.equal(await register(url, 'rides-value', canonical1), id1, 'its own answer registers as the same schema');
  const latest = await call(url, 'GET', '/subjects/rides-value/versions/latest');
  assert.deepEqual(latest.body, { subject: 'rides-value', version: 2, id: id2, schema: canonical2 });
  assert.deepEqual((await call(url, 'GET', '/subjects/rides-value/versions/1')).body, { subject: 'rides-value', version: 1, id: id1, schema: canonical1 });
  assert.deepEqual((await call(url, 'GET', '/subjects/rides-value/versions/-1')).body, latest.body);
  assert.deepEqual((await call(url, 'GET', '/subjects/rides-value/versions/1/schema')).body, JSON.parse(canonical1));

  const lookup = await call(url, 'POST', '/subjects/rides-value', { schema: v1 });
  assert.deepEqual(lookup.body, { subject: 'rides-value', version: 1, id: id1, schema: canonical1 });

  assert.deepEqual((await call(url, 'GET', `/schemas/ids/${id1}`)).body, { schema: canonical1 });
  assert.deepEqual((await call(url, 'GET', `/schemas/ids/${id1}/schema`)).body, JSON.parse(canonical1));
  assert.deepEqual((await call(url, 'GET', `/schemas/ids/${id1}/subjects`)).body, ['other-value', 'rides-value']);
  assert.deepEqual((await call(url, 'GET', `/schemas/ids/${id1}/versions`)).body, [
    { subject: 'other-value', version: 1 },
    { subject: 'rides-value', version: 1 },
  ]);

  assert.deepEqual((await call(url, 'GET', '/config')).body, { compatibilityLevel: 'BACKWARD' });
  assert.deepEqual((await call(url, 'PUT', '/config', { compatibility: 'FULL' })).body, { compatibility: 'FULL' });
  assert.deepEqual((await call(url, 'GET', '/config')).body, { compatibilityLevel: 'FULL' });
  assert.deepEqual((await call(url, 'PUT', '/config/rides-value', { compatibility: 'none' })).body, { compatibility: 'NONE' });
  assert.deepEqual((await call(url, 'GET', '/config/rides-value')).body, { compatibilityLevel: 'NONE' });
  assert.deepEqual((await call(url, 'GET', '/config/other-value?defaultToGlobal=true')).body, { compatibilityLevel: 'FULL' });
  assert.deepEqual((await call(url, 'DELETE', '/config/rides-value')).body, { compatibilityLevel: 'NONE' });
  assert.equal((await call(url, 'GET', '/config/rides-value')).status, 404);

  const breaking = ride([{ name: 'fare', type: 'double' }]);
  assert.deepEqual((await call(url, 'POST', '/compatibility/subjects/rides-value/versions/latest', { schema: v2 })).body, { is_compatible: true });
  const incompatible = await call<{ is_compatible: boolean; messages: string[] }>(url, 'POST', '/compatibility/subjects/rides-value/versions/latest', { schema: breaking });
  assert.equal(incompatible.body.is_compatible, false);
  assert.match(incompatible.body.messages.join('\n'), /fare/);
  const verbose = await call<{ is_compatible: boolean; messages: string[] }>(url, 'POST', '/compatibility/subjects/rides-value/versions/1?verbose=true', { schema: v2 });
  assert.deepEqual(verbose.body, { is_compatible: true, messages: [] });
  assert.deepEqual((await call(url, 'POST', '/compatibility/subjects/rides-value/versions', { schema: v2 })).body, { is_compatible: true });

  // Soft delete, then permanent delete, of a version and of a subject.
  assert.deepEqual((await call(url, 'DELETE', '/subjects/rides-value/versions/2')).body, 2);
  assert.deepEqual((await call(url, 'GET', '/subjects/rides-value/versions')).body, [1]);
  assert.deepEqual((await call(url, 'GET', '/subjects/rides-value/versions?deleted=true')).body, [1, 2]);
  assert.equal((await call(url, 'GET', '/subjects/rides-value/versions/2')).status, 404);
  assert.equal((await call<{ id: number }>(url, 'GET', '/subjects/rides-value/versions/2?deleted=true')).body.id, id2);
  assert.deepEqual((await call(url, 'GET', `/schemas/ids/${id2}`)).body, { schema: canonical2 }, 'a soft-deleted version keeps its id readable');
  assert.deepEqual((await call(url, 'DELETE', '/subjects/rides-value/versions/2?permanent=true')).body, 2);
  assert.equal((await call(url, 'GET', `/schemas/ids/${id2}`)).status, 404, 'a permanently deleted schema id no longer resolves');

  assert.deepEqual((await call(url, 'DELETE', '/subjects/other-value')).body, [1]);
  assert.deepEqual((await call(url, 'GET', '/subjects')).body, ['rides-value']);
  assert.deepEqual((await call(url, 'GET', '/subjects?deleted=true')).body, ['other-value', 'rides-value']);
  assert.deepEqual((await call(url, 'DELETE', '/subjects/other-value?permanent=true')).body, [1]);
  assert.deepEqual((await call(url, 'GET', '/subjects?deleted=true')).body, ['rides-value']);

  // Ids are never reused, even after the highest one was permanently deleted.
  const id3 = await register(url, 'rides-value', ride([{ name: 'city', type: 'string', default: 'Berlin' }]));
  assert.ok(id3 > id2, `a new schema gets a new id (${id3} > ${id2})`);
  assert.equal(await register(url, 'again-value', v2), id3 + 1, 'a permanently deleted schema registered again gets a new id');
  assert.equal((await call(url, 'GET', '/mode')).status, 200);
});

test('through @kafkajs/confluent-schema-registry: register, look up, encode and decode', async (t) => {
  const { url } = await startRegistry(t);
  const registry = new SchemaRegistry({ host: url });
  const schema = ride([{ name: 'distanceKm', type: 'double', default: 0 }]);
  const { id } = await registry.register({ type: SchemaType.AVRO, schema }, { subject: 'rides-value' });
  assert.equal((await registry.register({ type: SchemaType.AVRO, schema }, { subject: 'rides-value' })).id, id);
  assert.equal(await registry.getLatestSchemaId('rides-value'), id);
  assert.equal(await registry.getRegistryId('rides-value', 1), id);
  assert.equal(await registry.getRegistryIdBySchema('rides-value', { type: SchemaType.AVRO, schema }), id);
  const encoded = await registry.encode(id, { rideId: 'r-1', distanceKm: 12.5 });
  assert.equal(encoded[0], 0, 'Confluent wire format: magic byte 0');
  assert.equal(encoded.readInt32BE(1), id, 'then the 4-byte schema id');
  assert.deepEqual({ ...(await registry.decode(encoded)) }, { rideId: 'r-1', distanceKm: 12.5 });
  // A fresh client resolves the id from the registry alone.
  assert.deepEqual({ ...(await new SchemaRegistry({ host: url }).decode(encoded)) }, { rideId: 'r-1', distanceKm: 12.5 });
  await assert.rejects(registry.register({ type: SchemaType.AVRO, schema: ride([{ name: 'x', type: 'int' }]) }, { subject: 'rides-value' }), /incompatible/i);
});

const status = { name: 'status', type: 'string', default: 'new' };
const fare = { name: 'fare', type: 'double' };
const fareWithDefault = { name: 'fare', type: 'double', default: 0 };
const tip = { name: 'tip', type: 'double' };

// History for every level: v1 = {rideId}, v2 = v1 + status (with a default), then v3 = `compatible`,
// then `refused` must be refused with 409 naming `field`.
const levels = [
  { level: 'BACKWARD', compatible: [status, fareWithDefault], refused: [status, fareWithDefault, tip], field: 'tip' },
  { level: 'FORWARD', compatible: [status, fare], refused: [status, { ...tip, default: 0 }], field: 'fare' },
  { level: 'FULL', compatible: [status, fareWithDefault], refused: [status, fareWithDefault, tip], field: 'tip' },
  { level: 'NONE', compatible: [{ name: 'status', type: 'int' }], refused: undefined, field: '' },
];

for (const { level, compatible, refused, field } of levels) {
  test(`compatibility ${level}: a compatible change is registered, an incompatible one refused with 409 naming the field`, async (t) => {
    const { url } = await startRegistry(t);
    const subject = `level-${level.toLowerCase()}`;
    assert.equal((await call(url, 'PUT', `/config/${subject}`, { compatibility: level })).status, 200);
    await register(url, subject, ride());
    await register(url, subject, ride([status]));
    await register(url, subject, ride(compatible));
    if (refused) {
      const res = await call<{ error_code: number; message: string }>(url, 'POST', `/subjects/${subject}/versions`, { schema: ride(refused) });
      assert.equal(res.status, 409, JSON.stringify(res.body));
      assert.equal(res.body.error_code, 409);
      assert.match(res.body.message, new RegExp(`\\b${field}\\b`));
    }
    assert.deepEqual((await call(url, 'GET', `/subjects/${subject}/versions`)).body, [1, 2, 3], 'the compatible change was registered, the refused one was not');
  });
}

// v3 is compatible with v2 (the latest) but not with v1.
const transitive = {
  BACKWARD_TRANSITIVE: [ride(), ride([fareWithDefault]), ride([fare])],
  FORWARD_TRANSITIVE: [ride([fare]), ride([fareWithDefault]), ride()],
  FULL_TRANSITIVE: [ride(), ride([fareWithDefault]), ride([fare])],
} as const;

for (const [level, [v1, v2, v3]] of Object.entries(transitive)) {
  test(`compatibility ${level}: checks every earlier version, not just the latest`, async (t) => {
    const { url } = await startRegistry(t);
    const subject = `level-${level.toLowerCase()}`;
    await call(url, 'PUT', `/config/${subject}`, { compatibility: level.replace('_TRANSITIVE', '') });
    await register(url, subject, v1);
    await register(url, subject, v2);
    const againstLatest = await call<{ is_compatible: boolean }>(url, 'POST', `/compatibility/subjects/${subject}/versions`, { schema: v3 });
    assert.equal(againstLatest.body.is_compatible, true, `v3 is ${level.replace('_TRANSITIVE', '')}-compatible with v2`);

    await call(url, 'PUT', `/config/${subject}`, { compatibility: level });
    const res = await call<{ error_code: number; message: string }>(url, 'POST', `/subjects/${subject}/versions`, { schema: v3 });
    assert.equal(res.status, 409, JSON.stringify(res.body));
    assert.match(res.body.message, /fare/);
    assert.match(res.body.message, /version 1\b/);
    const ok = await call(url, 'POST', `/subjects/${subject}/versions`, { schema: ride([fareWithDefault, { ...tip, default: 0 }]) });
    assert.equal(ok.status, 200, `a change compatible with every version is registered: ${JSON.stringify(ok.body)}`);
  });
}

test('each error code, and bad input changes nothing', async (t) => {
  const registry = await startRegistry(t);
  const { url } = registry;
  await register(url, 'rides-value', ride());
  await register(url, 'gone-value', ride([{ name: 'x', type: 'int', default: 1 }]));
  await call(url, 'DELETE', '/subjects/gone-value');
  const before = await snapshot(url);
  const end = await topicEnd(registry);

  const cases: Array<[string, string, unknown, number, number, { raw?: string }?]> = [
    ['POST', '/subjects/rides-value/versions', undefined, 400, 400, { raw: '{"schema": ' }],
    ['POST', '/subjects/rides-value/versions', { schema: '{"type": "record", "name": "X", "fields": [{"name": "a", "type": "nope"}]}' }, 422, 42201],
    ['POST', '/subjects/rides-value/versions', { schema: 'not json' }, 422, 42201],
    ['POST', '/subjects/rides-value/versions', { schema: '{"type":"record","name":"R","fields":[{"name":"a","type":"int","default":"x"}]}' }, 422, 42201],
    ['POST', '/subjects/rides-value/versions', {}, 422, 42201],
    ['POST', '/subjects/rides-value/versions', { schema: ride(), schemaType: 'PROTOBUF' }, 422, 42201],
    ['POST', '/subjects/rides-value/versions', { schema: ride([{ name: 'fare', type: 'double' }]) }, 409, 409],
    ['GET', '/subjects/nobody/versions', undefined, 404, 40401],
    ['GET', '/subjects/nobody/versions/1', undefined, 404, 40401],
    ['POST', '/subjects/nobody', { schema: ride() }, 404, 40401],
    ['DELETE', '/subjects/nobody', undefined, 404, 40401],
    ['GET', '/subjects/rides-value/versions/7', undefined, 404, 40402],
    ['DELETE', '/subjects/rides-value/versions/7', undefined, 404, 40402],
    ['POST', '/compatibility/subjects/rides-value/versions/9', { schema: ride() }, 404, 40402],
    ['GET', '/schemas/ids/999999', undefined, 404, 40403],
    ['GET', '/schemas/ids/abc', undefined, 404, 40403],
    ['POST', '/subjects/rides-value', { schema: ride([{ name: 'other', type: 'int', default: 0 }]) }, 404, 40403],
    ['DELETE', '/subjects/gone-value', undefined, 404, 40404],
    ['DELETE', '/subjects/rides-value?permanent=true', undefined, 404, 40405],
    ['DELETE', '/subjects/gone-value/versions/1', undefined, 404, 40406],
    ['DELETE', '/subjects/rides-value/versions/1?permanent=true', undefined, 404, 40407],
    ['GET', '/config/rides-value', undefined, 404, 40408],
    ['GET', '/subjects/rides-value/versions/zero', undefined, 422, 42202],
    ['GET', '/subjects/rides-value/versions/0', undefined, 422, 42202],
    ['GET', '/subjects/rides-value/versions/2147483648', undefined, 422, 42202],
    ['PUT', '/config', { compatibility: 'SOMETIMES' }, 422, 42203],
    ['PUT', '/config/rides-value', {}, 422, 42203],
    ['GET', '/no/such/route', undefined, 404, 404],
  ];
  for (const [method, path, body, status, code, options] of cases) {
    const res = await call<{ error_code: number; message: string }>(url, method, path, body, options);
    const label = `${method} ${path} ${options?.raw ?? JSON.stringify(body) ?? ''}`;
    assert.equal(res.status, status, `${label}: ${JSON.stringify(res.body)}`);
    assert.equal(res.body.error_code, code, `${label}: ${JSON.stringify(res.body)}`);
    assert.equal(typeof res.body.message, 'string');
    assert.ok(res.body.message.length > 0);
    assert.equal(res.contentType, CT, label);
  }
  assert.deepEqual(await snapshot(url), before, 'the registry serves exactly what it served before');
  assert.equal(await topicEnd(registry), end, 'nothing was appended to the schema topic');
});

test('a registry restarted against the same topic serves every id and version it served before', async (t) => {
  const first = await startRegistry(t);
  const { url } = first;
  await call(url, 'PUT', '/config', { compatibility: 'FULL' });
  await register(url, 'a-value', ride());
  await register(url, 'a-value', ride([{ name: 'b', type: 'string', default: '' }]));
  await register(url, 'b-value', ride([{ name: 'c', type: 'long', default: 0 }]));
  await call(url, 'PUT', '/config/b-value', { compatibility: 'NONE' });
  await register(url, 'b-value', JSON.stringify({ type: 'enum', name: 'Status', symbols: ['A', 'B'] }));
  await call(url, 'DELETE', '/subjects/a-value/versions/1');
  const before = await snapshot(url);
  await first.stop();

  const second = await startRegistry(t, { topic: first.topic });
  assert.deepEqual(await snapshot(second.url), before);
  // The restarted registry goes on with the next id, not a reused one.
  const maxBefore = Math.max(...Object.keys((before as { ids: object }).ids).map(Number));
  assert.equal(await register(second.url, 'c-value', ride([{ name: 'z', type: 'int', default: 0 }])), maxBefore + 1);
});

test('two instances on one topic: concurrent writes get distinct ids and versions, and both serve the same state', async (t) => {
  const a = await startRegistry(t, { defaultCompatibility: 'NONE' });
  const b = await startRegistry(t, { topic: a.topic, defaultCompatibility: 'NONE' });
  deleteTopicAfter(t, a.topic);
  const n = 24;
  const schemas = Array.from({ length: n }, (_, i) => ride([{ name: `f${i}`, type: 'int', default: i }]));
  // Each schema goes to one instance; half to each, all at once, on the same subject.
  const ids = await Promise.all(schemas.map((s, i) => register(i % 2 ? a.url : b.url, 'shared-value', s)));
  assert.equal(new Set(ids).size, n, 'every distinct schema got its own id');
  // The same new schema sent to both at once gets one id and one version.
  const same = ride([{ name: 'same', type: 'int', default: 0 }]);
  const [sameA, sameB] = await Promise.all([register(a.url, 'shared-value', same), register(b.url, 'shared-value', same)]);
  assert.equal(sameA, sameB);

  const versionsA = (await call<number[]>(a.url, 'GET', '/subjects/shared-value/versions')).body;
  assert.deepEqual(versionsA, Array.from({ length: n + 1 }, (_, i) => i + 1), 'versions are 1..n+1 without gaps or duplicates');
  const entries = await Promise.all(versionsA.map(async (v) => (await call<{ id: number }>(a.url, 'GET', `/subjects/shared-value/versions/${v}`)).body.id));
  assert.equal(new Set(entries).size, n + 1);
  // Reads on b are eventually consistent; b catches up before its next write, and its state equals a's.
  await register(b.url, 'sync-value', ride());
  await register(a.url, 'sync-value', ride());
  assert.deepEqual(await snapshot(b.url), await snapshot(a.url));
});
