import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import {
  PostgresTargetError,
  arrayLiteral,
  encodeUpserts,
  foldChanges,
  formatDecimal,
  formatEpochDays,
  formatEpochMicros,
  jsonArrayLiteral,
  parseTableName,
  tableLayout,
  type FieldColumn,
  type PostgresTargetErrorCode,
} from './postgres-columns.js';
import type { RowChange } from './sink.js';

const rideSchema: unknown = JSON.parse(readFileSync(new URL('../../../../schemas/rides/ride.avsc', import.meta.url), 'utf8'));

const record = (fields: Array<{ name: string; type: unknown }>, name = 'R') => ({ type: 'record', name, namespace: 'com.example', fields });

function targetError(code: PostgresTargetErrorCode, message: RegExp) {
  return (err: unknown) => err instanceof PostgresTargetError && err.code === code && message.test(err.message);
}

function column(type: unknown, extra: Array<{ name: string; type: unknown }> = []): FieldColumn {
  const layout = tableLayout({ schemas: [record([...extra, { name: 'f', type }])] });
  const found = layout.data.find((c) => c.name === 'f');
  assert.ok(found);
  return found;
}

test('the ride schema becomes typed columns, the key field the primary key, nested records jsonb', () => {
  const layout = tableLayout({ schemas: [rideSchema], keyField: 'rideId' });
  assert.deepEqual(
    layout.columns.map((c) => `${c.name} ${c.type} ${c.role}`),
    [
      'rideId text key',
      'riderId text data',
      'driverId text data',
      'status text data',
      'pickup jsonb data',
      'dropoff jsonb data',
      'requestedAt timestamptz data',
      'acceptedAt timestamptz data',
      'completedAt timestamptz data',
      'distanceKm double precision data',
      'fareCents bigint data',
      'currency text data',
      '_herald_version bigint provenance',
      '_herald_event_id text provenance',
      '_herald_event_type text provenance',
      '_herald_source text provenance',
      '_herald_event_time timestamptz provenance',
      '_herald_recorded_time timestamptz provenance',
    ],
  );
});

test('without a key field the key is _herald_key text', () => {
  const layout = tableLayout({ schemas: [rideSchema] });
  assert.deepEqual(layout.key, { name: '_herald_key', type: 'text', role: 'key' });
  assert.equal(layout.data[0]?.name, 'rideId');
});

test('each Avro type maps to its column type', () => {
  const cases: Array<[unknown, string]> = [
    ['string', 'text'],
    ['int', 'integer'],
    ['long', 'bigint'],
    ['float', 'real'],
    ['double', 'double precision'],
    ['boolean', 'boolean'],
    ['bytes', 'bytea'],
    [{ type: 'fixed', name: 'F', size: 4 }, 'bytea'],
    [{ type: 'enum', name: 'E', symbols: ['A'] }, 'text'],
    [{ type: 'string', logicalType: 'uuid' }, 'text'],
    [{ type: 'long', logicalType: 'timestamp-millis' }, 'timestamptz'],
    [{ type: 'long', logicalType: 'timestamp-micros' }, 'timestamptz'],
    [{ type: 'long', logicalType: 'local-timestamp-millis' }, 'timestamp'],
    [{ type: 'int', logicalType: 'date' }, 'date'],
    [{ type: 'bytes', logicalType: 'decimal', precision: 10, scale: 2 }, 'numeric'],
    [{ type: 'fixed', name: 'D', size: 8, logicalType: 'decimal', precision: 10, scale: 2 }, 'numeric'],
    [{ type: 'int', logicalType: 'time-millis' }, 'integer'],
    [{ type: 'string', logicalType: 'date' }, 'text'],
    [['null', 'long'], 'bigint'],
    [['long', 'null'], 'bigint'],
    [['null', { type: 'long', logicalType: 'timestamp-millis' }], 'timestamptz'],
    [['string'], 'text'],
    [['null', 'string', 'long'], 'jsonb'],
    [['string', 'long'], 'jsonb'],
    [{ type: 'array', items: 'string' }, 'jsonb'],
    [{ type: 'map', values: 'long' }, 'jsonb'],
    [record([{ name: 'x', type: 'int' }], 'Inner'), 'jsonb'],
    [['null', record([{ name: 'x', type: 'int' }], 'Inner')], 'jsonb'],
    [{ type: 'string' }, 'text'],
  ];
  for (const [avro, expected] of cases) assert.equal(column(avro).type, expected, JSON.stringify(avro));
});

test('a field may name a type defined by an earlier field, in the record namespace or fully', () => {
  const money = { type: 'fixed', name: 'Money', size: 8, logicalType: 'decimal', precision: 12, scale: 2 };
  const status = { type: 'enum', name: 'Status', namespace: 'com.other', symbols: ['A', 'B'] };
  const layout = tableLayout({
    schemas: [
      record([
        { name: 'price', type: money },
        { name: 'status', type: status },
        { name: 'total', type: 'Money' },
        { name: 'fullTotal', type: ['null', 'com.example.Money'] },
        { name: 'previous', type: 'com.other.Status' },
      ]),
    ],
  });
  assert.deepEqual(
    layout.data.map((c) => `${c.name} ${c.type}`),
    ['price numeric', 'status text', 'total numeric', 'fullTotal numeric', 'previous text'],
  );
  assert.throws(() => tableLayout({ schemas: [record([{ name: 'x', type: 'Nowhere' }])] }), targetError('unsupported_schema', /'x'.*unknown type 'Nowhere'/));
});

test('several schemas give the union of their fields by name, first schema first', () => {
  const v1 = record([
    { name: 'id', type: 'string' },
    { name: 'a', type: 'int' },
  ]);
  const v2 = record([
    { name: 'id', type: 'string' },
    { name: 'b', type: ['null', 'string'] },
    { name: 'a', type: ['null', 'int'] },
  ]);
  const layout = tableLayout({ schemas: [v1, JSON.stringify(v2)], keyField: 'id' });
  assert.deepEqual(
    layout.data.map((c) => `${c.name} ${c.type}`),
    ['a integer', 'b text'],
  );
});

test('the same field with different column types or encodings is a schema_conflict naming the field', () => {
  assert.throws(
    () => tableLayout({ schemas: [record([{ name: 'amount', type: 'int' }]), record([{ name: 'amount', type: 'long' }])] }),
    targetError('schema_conflict', /field 'amount' is int \(integer\) in one source schema and long \(bigint\)/),
  );
  assert.throws(
    () =>
      tableLayout({
        schemas: [record([{ name: 'at', type: { type: 'long', logicalType: 'timestamp-millis' } }]), record([{ name: 'at', type: { type: 'long', logicalType: 'timestamp-micros' } }])],
      }),
    targetError('schema_conflict', /field 'at'/),
  );
  // The same column type and encoding from different Avro types shares a column.
  assert.equal(tableLayout({ schemas: [record([{ name: 's', type: 'string' }]), record([{ name: 's', type: { type: 'enum', name: 'E', symbols: ['X'] } }])] }).data[0]?.type, 'text');
});

test('schemas a table cannot take are unsupported_schema', () => {
  assert.throws(() => tableLayout({ schemas: [] }), targetError('unsupported_schema', /at least one/));
  assert.throws(() => tableLayout({ schemas: ['string'] }), targetError('unsupported_schema', /not JSON/));
  assert.throws(() => tableLayout({ schemas: [{ type: 'array', items: 'string' }] }), targetError('unsupported_schema', /not an Avro record/));
  assert.throws(() => tableLayout({ schemas: [rideSchema], keyField: 'nope' }), targetError('unsupported_schema', /key field 'nope' is not a top-level field of schema 1/));
  assert.throws(
    () => tableLayout({ schemas: [rideSchema, record([{ name: 'other', type: 'string' }])], keyField: 'rideId' }),
    targetError('unsupported_schema', /schema 2/),
  );
  assert.throws(() => tableLayout({ schemas: [rideSchema], keyField: 'pickup' }), targetError('unsupported_schema', /key field 'pickup' is record \(jsonb\)/));
  assert.throws(() => tableLayout({ schemas: [record([{ name: '_herald_version', type: 'long' }])] }), targetError('unsupported_schema', /reserved/));
  assert.throws(() => tableLayout({ schemas: [record([{ name: 'x'.repeat(64), type: 'long' }])] }), targetError('unsupported_schema', /63-byte/));
  assert.equal(tableLayout({ schemas: [record([{ name: 'n', type: 'long' }])], keyField: 'n' }).key.type, 'bigint');
});

test('table names are table or schema.table of lower-case identifiers, quoted', () => {
  assert.deepEqual(parseTableName('rides'), { schema: undefined, table: 'rides', sql: '"rides"' });
  assert.deepEqual(parseTableName('analytics.ride_state_2'), { schema: 'analytics', table: 'ride_state_2', sql: '"analytics"."ride_state_2"' });
  assert.equal(parseTableName(`_${'a'.repeat(62)}`).table.length, 63);
  for (const bad of ['', 'Rides', '1rides', 'a.b.c', 'a.', '.a', 'rides; drop table x', 'ri"des', 'a'.repeat(64), 'a-b']) {
    assert.throws(() => parseTableName(bad), targetError('invalid_table_name', /invalid table name/), bad);
  }
});

test('timestamps are exact to the microsecond, before 1970 and BC too', () => {
  assert.equal(formatEpochMicros(0n, true), '1970-01-01 00:00:00.000000+00');
  assert.equal(formatEpochMicros(1_790_000_000_123_456n, true), '2026-09-21 14:13:20.123456+00');
  assert.equal(formatEpochMicros(-1n, true), '1969-12-31 23:59:59.999999+00');
  assert.equal(formatEpochMicros(-62_167_219_200_000_000n, false), '0001-01-01 00:00:00.000000 BC');
  assert.equal(formatEpochDays(0), '1970-01-01');
  assert.equal(formatEpochDays(-1), '1969-12-31');
  assert.equal(formatEpochDays(20_000), '2024-10-04');
  const millis = column({ type: 'long', logicalType: 'timestamp-millis' });
  assert.equal(millis.encode(1_790_000_000_123), '2026-09-21T14:13:20.123Z');
  assert.equal(millis.encode(-1), '1969-12-31T23:59:59.999Z');
  assert.equal(millis.encode(new Date(1_790_000_000_123)), '2026-09-21 14:13:20.123000+00');
  assert.equal(millis.encode('1790000000123'), '2026-09-21 14:13:20.123000+00');
  assert.equal(millis.encode(-62_167_219_200_000), '0001-01-01 00:00:00.000000+00 BC', 'year 0 is 1 BC');
  assert.equal(millis.encode(253_402_300_800_000), '10000-01-01 00:00:00.000000+00');
  assert.equal(millis.encode(null), null);
  assert.throws(() => millis.encode('yesterday'), targetError('unsupported_schema', /timestamptz/));
  const micros = column({ type: 'long', logicalType: 'timestamp-micros' });
  assert.equal(micros.encode(1_790_000_000_123_456), '2026-09-21T14:13:20.123456Z');
  assert.equal(micros.encode(-1), '1969-12-31T23:59:59.999999Z');
  assert.equal(micros.encode(1_790_000_000_123_456n), '2026-09-21 14:13:20.123456+00');
  assert.equal(column({ type: 'long', logicalType: 'local-timestamp-micros' }).encode(1), '1970-01-01T00:00:00.000001');
  assert.equal(column({ type: 'long', logicalType: 'local-timestamp-millis' }).encode(1n), '1970-01-01 00:00:00.001000');
  assert.equal(column({ type: 'int', logicalType: 'date' }).encode(20_000), '2024-10-04');
});

test('decimals decode the two’s complement unscaled value', () => {
  assert.equal(formatDecimal(Buffer.from([0x30, 0x39]), 2), '123.45');
  assert.equal(formatDecimal(Buffer.from([0xcf, 0xc7]), 2), '-123.45');
  assert.equal(formatDecimal(Buffer.from([0x05]), 3), '0.005');
  assert.equal(formatDecimal(Buffer.from([0xff]), 0), '-1');
  assert.equal(formatDecimal(Buffer.alloc(0), 2), '0.00');
  const decimal = column({ type: 'bytes', logicalType: 'decimal', precision: 10, scale: 2 });
  assert.equal(decimal.encode(Buffer.from([0x30, 0x39])), '123.45');
  assert.equal(decimal.encode('12.5'), '12.5');
});

test('scalar values become the text PostgreSQL casts', () => {
  assert.equal(column('long').encode(9_007_199_254_740_991), '9007199254740991');
  assert.equal(column('long').encode(12n), '12');
  assert.throws(() => column('long').encode(1.5), targetError('unsupported_schema', /column "f" \(bigint\) cannot take the value 1.5/));
  assert.equal(column('int').encode(-7), '-7');
  assert.equal(column('double').encode(Number.NaN), 'NaN');
  assert.equal(column('double').encode(-Infinity), '-Infinity');
  assert.equal(column('float').encode(1e21), '1e+21');
  assert.equal(column('boolean').encode(false), 'false');
  assert.equal(column('string').encode('a"b\\c'), 'a"b\\c');
  assert.equal(column('string').encode(undefined), null, 'a field absent from an older schema is NULL');
  const bytes = column('bytes');
  assert.equal(bytes.encode(Buffer.from([0, 1, 0xff])), '\\x0001ff');
  assert.equal(bytes.encode(new Uint8Array([0xab])), '\\xab');
  assert.equal(bytes.encode('\u0000\u00ff'), '\\x00ff');
  assert.equal(bytes.encode(JSON.parse(JSON.stringify(Buffer.from([1, 2])))), '\\x0102');
});

test('structured values go to jsonb whole, bytes as base64 and bigints as strings; null stays SQL NULL', () => {
  const json = column(record([{ name: 'x', type: 'int' }], 'Inner'));
  assert.equal(json.encode({ lat: 52.5, tag: Buffer.from('hi'), n: 10n, list: [1, null] }), '{"lat":52.5,"tag":"aGk=","n":"10","list":[1,null]}');
  assert.equal(json.encode(null), null);
  assert.equal(column(['string', 'long']).encode('text'), '"text"');
});

const change = (key: string, version: number, extra: Partial<RowChange> = {}): RowChange => ({
  key,
  version: BigInt(version),
  deleted: false,
  data: { rideId: key, v: version },
  event: { id: `e-${key}-${version}`, source: 's', type: 't', time: '2026-01-01T00:00:00Z', recordedtime: '2026-01-01T00:00:01Z' },
  ...extra,
});

test('a batch folds to the newest change per key, in key order; a tie goes to the later change', () => {
  const folded = foldChanges([change('b', 1), change('a', 1), change('b', 2), change('a', 3, { deleted: true }), change('b', 2, { data: { v: 'last' } }), change('c', 5), change('c', 4)]);
  assert.deepEqual(
    folded.map((c) => `${c.key}:${c.version}:${c.deleted}`),
    ['a:3:true', 'b:2:false', 'c:5:false'],
  );
  assert.deepEqual(folded[1]?.data, { v: 'last' });
});

test('upserts become one text array per column, key first, provenance last', () => {
  const layout = tableLayout({ schemas: [rideSchema], keyField: 'rideId' });
  const data = {
    rideId: 'r-1',
    riderId: 'u-1',
    driverId: null,
    status: 'REQUESTED',
    pickup: { lat: 1, lon: 2, address: null },
    dropoff: { lat: 3, lon: 4, address: 'x' },
    requestedAt: 0,
    acceptedAt: null,
    completedAt: null,
    distanceKm: 1.5,
    fareCents: 1200,
    currency: 'EUR',
  };
  const arrays = encodeUpserts(layout, [change('r-1', 7, { data }), change('r-2', 1, { data: { rideId: 'r-2' }, event: undefined })]);
  assert.equal(arrays.length, layout.columns.length);
  assert.deepEqual(
    arrays.map((a) => a[0]),
    ['r-1', 'u-1', null, 'REQUESTED', '{"lat":1,"lon":2,"address":null}', '{"lat":3,"lon":4,"address":"x"}', '1970-01-01T00:00:00.000Z', null, null, '1.5', '1200', 'EUR', '7', 'e-r-1-7', 't', 's', '2026-01-01T00:00:00Z', '2026-01-01T00:00:01Z'],
  );
  assert.deepEqual(
    arrays.map((a) => a[1]),
    ['r-2', null, null, null, null, null, null, null, null, null, null, null, '1', null, null, null, null, null],
  );
});

test('array literals keep every element text, escape quotes and backslashes, and write NULL for null', () => {
  assert.equal(arrayLiteral([]), '{}');
  assert.equal(arrayLiteral(['a', '1', 'NULL', '', ' x ']), '{"a","1","NULL",""," x "}');
  assert.equal(arrayLiteral(['a', null, 'b,c}']), '{"a",NULL,"b,c}"}');
  assert.equal(arrayLiteral(['say "hi"', 'C:\\dir', '\\x00ff']), String.raw`{"say \"hi\"","C:\\dir","\\x00ff"}`);
  assert.equal(arrayLiteral(['line\nbreak']), '{"line\nbreak"}');
  const json = [JSON.stringify({ a: 'say "hi" \\ \n', b: null }), null, JSON.stringify('x')];
  assert.equal(jsonArrayLiteral(json), String.raw`{"{\"a\":\"say \\\"hi\\\" \\\\ \\n\",\"b\":null}",null,"\"x\""}`);
  assert.equal(jsonArrayLiteral(json), arrayLiteral(json).replace(',NULL,', ',null,'), 'the JSON shortcut escapes as the general literal does');
});
