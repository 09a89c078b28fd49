// Replay's PostgreSQL table target on a real PostgreSQL (tools/postgres): the table it creates
// from the ride schema, version-guarded upserts, deletions, idempotent re-application of a long
// history, an existing table that does not fit, and a schema that gained fields.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, test } from 'node:test';
import type pg from 'pg';
import { PostgresTable, PostgresTargetError, type PostgresTargetErrorCode, type RowChange } from '@herald/replay/sinks/postgres';
import { stopTestPostgres, testPool, testSchema } from './helpers/postgres.js';

after(stopTestPostgres);

const rideSchema = JSON.parse(readFileSync(new URL('../../schemas/rides/ride.avsc', import.meta.url), 'utf8')) as {
  fields: Array<{ name: string; type: unknown }>;
};

type Ride = Record<string, unknown>;

function ride(rideId: string, version: number, overrides: Ride = {}): Ride {
  return {
    rideId,
    riderId: `u-${version}`,
    driverId: version > 1 ? `d-${version}` : null,
    status: version > 2 ? 'COMPLETED' : version > 1 ? 'ACCEPTED' : 'REQUESTED',
    pickup: { lat: 52.52, lon: 13.4, address: null },
    dropoff: { lat: 52.5, lon: 13.42, address: `Street ${version}` },
    requestedAt: 1_790_000_000_000 + version,
    acceptedAt: version > 1 ? 1_790_000_060_000 : null,
    completedAt: null,
    distanceKm: version > 2 ? 4.25 : null,
    fareCents: version > 2 ? 1_250 + version : null,
    currency: 'EUR',
    ...overrides,
  };
}

function upsert(key: string, version: number, data: Ride = ride(key, version)): RowChange {
  return {
    key,
    version: BigInt(version),
    deleted: false,
    data,
    event: {
      id: `e-${key}-${version}`,
      source: 'https://rides.acme.example/dispatch',
      type: 'com.acme.rides.ride.accepted',
      time: new Date(1_790_000_000_000 + version * 1000).toISOString(),
      recordedtime: new Date(1_790_000_000_500 + version * 1000).toISOString(),
    },
  };
}

function deletion(key: string, version: number): RowChange {
  return { key, version: BigInt(version), deleted: true, data: undefined, event: undefined };
}

function targetError(code: PostgresTargetErrorCode, message: RegExp) {
  return (err: unknown) => err instanceof PostgresTargetError && err.code === code && message.test(err.message);
}

/** The whole table as JSON text per row, in key order: what a downstream reader would see. */
async function dump(pool: pg.Pool, table: string): Promise<string[]> {
  const [schema, name] = table.split('.');
  const result = await pool.query<{ row: string }>(`SELECT row_to_json(t)::text AS row FROM "${schema}"."${name}" t ORDER BY 1`);
  return result.rows.map((r) => r.row);
}

async function rows(pool: pg.Pool, table: string, columns: string): Promise<Array<Record<string, unknown>>> {
  const [schema, name] = table.split('.');
  return (await pool.query(`SELECT ${columns} FROM "${schema}"."${name}" t ORDER BY 1`)).rows;
}

async function columnsOf(pool: pg.Pool, schema: string, table: string): Promise<string[]> {
  const result = await pool.query<{ column_name: string; data_type: string; is_nullable: string }>(
    `SELECT column_name, data_type, is_nullable FROM information_schema.columns
      WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position`,
    [schema, table],
  );
  return result.rows.map((c) => `${c.column_name} ${c.data_type}${c.is_nullable === 'NO' ? ' not null' : ''}`);
}

test('the table made from the ride schema has typed columns, provenance and the ride id as primary key', async (t) => {
  const pool = await testPool(t);
  const schema = await testSchema(t, pool);
  const table = await PostgresTable.open({ pool, table: `${schema}.rides`, schemas: [rideSchema], keyField: 'rideId' });
  const expected = [
    'rideId text not null',
    'riderId text',
    'driverId text',
    'status text',
    'pickup jsonb',
    'dropoff jsonb',
    'requestedAt timestamp with time zone',
    'acceptedAt timestamp with time zone',
    'completedAt timestamp with time zone',
    'distanceKm double precision',
    'fareCents bigint',
    'currency text',
    '_herald_version bigint not null',
    '_herald_event_id text',
    '_herald_event_type text',
    '_herald_source text',
    '_herald_event_time timestamp with time zone',
    '_herald_recorded_time timestamp with time zone',
  ];
  assert.deepEqual(await columnsOf(pool, schema, 'rides'), expected);
  assert.deepEqual(
    table.columns.map((c) => c.name),
    expected.map((c) => c.split(' ')[0]),
  );
  const key = await pool.query<{ column_name: string }>(
    `SELECT k.column_name FROM information_schema.table_constraints c
       JOIN information_schema.key_column_usage k USING (constraint_schema, constraint_name)
      WHERE c.table_schema = $1 AND c.table_name = 'rides' AND c.constraint_type = 'PRIMARY KEY'`,
    [schema],
  );
  assert.deepEqual(
    key.rows.map((r) => r.column_name),
    ['rideId'],
  );

  // Opening again finds the table as it made it: nothing to add, nothing wrong.
  await PostgresTable.open({ pool, table: `${schema}.rides`, schemas: [rideSchema], keyField: 'rideId' });
  assert.deepEqual(await columnsOf(pool, schema, 'rides'), expected);

  // Without a key field, the partition key has a column of its own.
  await PostgresTable.open({ pool, table: `${schema}.rides_by_key`, schemas: [rideSchema] });
  assert.deepEqual((await columnsOf(pool, schema, 'rides_by_key')).slice(0, 2), ['_herald_key text not null', 'rideId text']);
});

test('values land in their typed columns, and the version guard keeps the newest', async (t) => {
  const pool = await testPool(t);
  const schema = await testSchema(t, pool);
  const name = `${schema}.rides`;
  const table = await PostgresTable.open({ pool, table: name, schemas: [rideSchema], keyField: 'rideId' });
  const columns = `"rideId", "riderId", "driverId", status, pickup->>'lat' AS lat, dropoff->>'address' AS address,
    (extract(epoch FROM "requestedAt") * 1000)::bigint::text AS requested, "acceptedAt" IS NULL AS unaccepted,
    "distanceKm", "fareCents"::text AS fare, "_herald_version"::text AS version, "_herald_event_id" AS event,
    "_herald_source" AS source, "_herald_event_time" = '2026-09-21T14:13:23Z' AS event_time_is_v3`;

  assert.deepEqual(await table.apply([upsert('r-1', 1), upsert('r-2', 1)]), { written: 2, skipped: 0, deleted: 0 });
  assert.deepEqual(await table.apply([upsert('r-1', 3)]), { written: 1, skipped: 0, deleted: 0 });
  const afterV3 = await dump(pool, name);
  assert.deepEqual((await rows(pool, name, columns))[0], {
    rideId: 'r-1',
    riderId: 'u-3',
    driverId: 'd-3',
    status: 'COMPLETED',
    lat: '52.52',
    address: 'Street 3',
    requested: '1790000000003',
    unaccepted: false,
    distanceKm: 4.25,
    fare: '1253',
    version: '3',
    event: 'e-r-1-3',
    source: 'https://rides.acme.example/dispatch',
    event_time_is_v3: true,
  });

  // An older version after a newer one changes nothing.
  assert.deepEqual(await table.apply([upsert('r-1', 2)]), { written: 0, skipped: 1, deleted: 0 });
  assert.deepEqual(await dump(pool, name), afterV3);
  // The same version again is applied again, to the same contents.
  assert.deepEqual(await table.apply([upsert('r-1', 3)]), { written: 1, skipped: 0, deleted: 0 });
  assert.deepEqual(await dump(pool, name), afterV3);

  // A batch holding several versions of one key writes its newest once.
  assert.deepEqual(await table.apply([upsert('r-2', 2), upsert('r-3', 1), upsert('r-2', 4), upsert('r-2', 3)]), { written: 2, skipped: 0, deleted: 0 });
  const r2 = (await rows(pool, name, columns)).find((r) => r.rideId === 'r-2');
  assert.equal(r2?.version, '4');
  assert.equal(r2?.riderId, 'u-4');
  assert.equal((await rows(pool, name, '"rideId"')).length, 3);

  // Awkward values survive the text round trip, in text and in jsonb.
  const awkward = 'quote " backslash \\ comma , brace { NULL\nnewline ü 🚕';
  const odd = ride('r-4', 1, { riderId: awkward, driverId: 'NULL', pickup: { lat: -0.5, lon: 1e-7, address: awkward }, distanceKm: Number.NaN });
  await table.apply([upsert('r-4', 1, odd)]);
  const columnsR4 = `"rideId", "riderId", "driverId", pickup->>'address' AS address, (pickup->>'lon')::float8 AS lon, "distanceKm"::text AS km`;
  assert.deepEqual((await rows(pool, name, columnsR4)).find((r) => r.rideId === 'r-4'), {
    rideId: 'r-4',
    riderId: awkward,
    driverId: 'NULL',
    address: awkward,
    lon: 1e-7,
    km: 'NaN',
  });
});

test('a deletion removes the row unless the row is newer, and a history ending in a deletion leaves no row', async (t) => {
  const pool = await testPool(t);
  const schema = await testSchema(t, pool);
  const name = `${schema}.rides`;
  const table = await PostgresTable.open({ pool, table: name, schemas: [rideSchema], keyField: 'rideId' });
  const start = [upsert('r-1', 5), upsert('r-2', 1), upsert('r-3', 1)];
  await table.apply(start);

  assert.deepEqual(await table.apply([deletion('r-1', 4)]), { written: 0, skipped: 0, deleted: 0 }, 'an older deletion keeps a newer row');
  assert.equal((await rows(pool, name, '"rideId"')).length, 3);
  assert.deepEqual(await table.apply([deletion('r-1', 5), deletion('r-9', 1)]), { written: 0, skipped: 0, deleted: 1 });
  assert.deepEqual(
    (await rows(pool, name, '"rideId"')).map((r) => r.rideId),
    ['r-2', 'r-3'],
  );

  // Deleted and created again in one batch: the row is the new one. Created then deleted: no row.
  const history = [upsert('r-2', 2), deletion('r-2', 3), upsert('r-2', 4), upsert('r-5', 1), upsert('r-5', 2), deletion('r-5', 3)];
  assert.deepEqual(await table.apply(history), { written: 1, skipped: 0, deleted: 0 });
  const expected = [
    ['r-2', '4'],
    ['r-3', '1'],
  ];
  const state = async () => (await rows(pool, name, '"rideId", "_herald_version"::text AS v')).map((r) => [r.rideId, r.v]);
  assert.deepEqual(await state(), expected);

  // Replayed from scratch into an empty table, one change per batch: the same end state.
  await pool.query(`TRUNCATE "${schema}".rides`);
  for (const change of [...start, deletion('r-1', 4), deletion('r-1', 5), deletion('r-9', 1), ...history]) await table.apply([change]);
  assert.deepEqual(await state(), expected);
});

test('the same 10,000 changes over 1,000 keys applied twice leave identical contents, the newest state per key', async (t) => {
  const pool = await testPool(t);
  const schema = await testSchema(t, pool);
  const name = `${schema}.rides`;
  const table = await PostgresTable.open({ pool, table: name, schemas: [rideSchema], keyField: 'rideId' });

  // A deterministic history: each change picks a key, versions grow per key; one change in
  // twelve deletes the ride (a later change may create it again).
  let seed = 42;
  const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
  const versions = new Map<string, number>();
  const changes: RowChange[] = [];
  for (let i = 0; i < 10_000; i++) {
    const key = `r-${String(Math.floor(random() * 1_000)).padStart(4, '0')}`;
    const version = (versions.get(key) ?? 0) + 1 + Math.floor(random() * 3);
    versions.set(key, version);
    changes.push(random() < 1 / 12 ? deletion(key, version) : upsert(key, version, ride(key, version, { fareCents: i })));
  }
  const model = new Map<string, RowChange>();
  for (const change of changes) model.set(change.key, change);
  const live = [...model.values()].filter((c) => !c.deleted).sort((a, b) => (a.key < b.key ? -1 : 1));
  assert.ok(live.length > 800 && live.length < 1_000, `the history ends with some rides deleted (${live.length} live)`);

  const batches = (size: number) => Array.from({ length: Math.ceil(changes.length / size) }, (_, i) => changes.slice(i * size, (i + 1) * size));
  const started = performance.now();
  for (const batch of batches(2_500)) await table.apply(batch);
  const firstMs = performance.now() - started;
  const first = await dump(pool, name);
  assert.deepEqual(
    (await rows(pool, name, `"rideId", "_herald_version"::text AS v, "fareCents"::text AS fare, "_herald_event_id" AS event`)).map((r) => [r.rideId, r.v, r.fare, r.event]),
    live.map((c) => [c.key, c.version.toString(), String((c.data as Ride).fareCents), c.event?.id]),
    'each live ride holds its last change; each deleted one has no row',
  );

  // Again, from the start, in other batch sizes: rows come and go on the way, the end is the same.
  for (const batch of batches(1_000)) await table.apply(batch);
  assert.deepEqual(await dump(pool, name), first);
  assert.deepEqual(await table.apply(changes), { written: live.length, skipped: 0, deleted: 0 });
  assert.deepEqual(await dump(pool, name), first);
  t.diagnostic(`first application of 10,000 changes in batches of 2,500: ${Math.round(firstMs)} ms`);
});

test('an existing table that does not fit is a table_mismatch naming the column, expected and found', async (t) => {
  const pool = await testPool(t);
  const schema = await testSchema(t, pool);
  await pool.query(`CREATE TABLE "${schema}".wrong_type ("rideId" text PRIMARY KEY, "fareCents" integer, "_herald_version" bigint NOT NULL)`);
  await assert.rejects(
    PostgresTable.open({ pool, table: `${schema}.wrong_type`, schemas: [rideSchema], keyField: 'rideId' }),
    targetError('table_mismatch', /column "fareCents" is integer, expected bigint/),
  );
  await pool.query(`CREATE TABLE "${schema}".wrong_key (id serial PRIMARY KEY, "rideId" text, "_herald_version" bigint NOT NULL)`);
  await assert.rejects(
    PostgresTable.open({ pool, table: `${schema}.wrong_key`, schemas: [rideSchema], keyField: 'rideId' }),
    targetError('table_mismatch', /primary key is \(id\); expected \("rideId" text\)/),
  );
  await pool.query(`CREATE TABLE "${schema}".foreign_table ("rideId" text PRIMARY KEY, note text)`);
  await assert.rejects(
    PostgresTable.open({ pool, table: `${schema}.foreign_table`, schemas: [rideSchema], keyField: 'rideId' }),
    targetError('table_mismatch', /_herald_version/),
  );
  assert.deepEqual(await columnsOf(pool, schema, 'foreign_table'), ['rideId text not null', 'note text'], 'a table that does not fit is left alone');
  await assert.rejects(PostgresTable.open({ pool, table: `${schema}.Rides`, schemas: [rideSchema] }), targetError('invalid_table_name', /Rides/));
});

test('a schema that gained fields adds nullable columns; older rows keep theirs and read NULL in the new ones', async (t) => {
  const pool = await testPool(t);
  const schema = await testSchema(t, pool);
  const name = `${schema}.rides`;
  const v1 = await PostgresTable.open({ pool, table: name, schemas: [rideSchema], keyField: 'rideId' });
  await v1.apply([upsert('r-1', 1)]);

  const evolved = {
    ...rideSchema,
    fields: [...rideSchema.fields, { name: 'tipCents', type: ['null', 'long'], default: null }, { name: 'tags', type: { type: 'array', items: 'string' }, default: [] }],
  };
  const v2 = await PostgresTable.open({ pool, table: name, schemas: [rideSchema, evolved], keyField: 'rideId' });
  const columns = await columnsOf(pool, schema, 'rides');
  assert.deepEqual(columns.slice(-2), ['tipCents bigint', 'tags jsonb']);
  assert.equal(columns.length, 20);

  await v2.apply([upsert('r-2', 1, { ...ride('r-2', 1), tipCents: 150, tags: ['airport'] })]);
  assert.deepEqual(await rows(pool, name, `"rideId", "riderId", "tipCents"::text AS tip, tags::text AS tags`), [
    { rideId: 'r-1', riderId: 'u-1', tip: null, tags: null },
    { rideId: 'r-2', riderId: 'u-1', tip: '150', tags: '["airport"]' },
  ]);
  // The old writer still works on the evolved table: it leaves the new columns alone.
  await v1.apply([upsert('r-2', 2)]);
  assert.deepEqual((await rows(pool, name, `"rideId", "riderId", "tipCents"::text AS tip`))[1], { rideId: 'r-2', riderId: 'u-2', tip: '150' });

  const changedType = { ...rideSchema, fields: [...rideSchema.fields, { name: 'tipCents', type: 'string' }] };
  await assert.rejects(
    PostgresTable.open({ pool, table: name, schemas: [changedType], keyField: 'rideId' }),
    targetError('table_mismatch', /column "tipCents" is bigint, expected text/),
  );
});
