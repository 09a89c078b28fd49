import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { HeraldAttributes } from '@herald/envelope';
import { JobError } from '../jobs/errors.js';
import type { ReplayItem, RowChange } from './sink.js';
import { TableSink, versionOf } from './table.js';

const attributes = (extra: Partial<HeraldAttributes> = {}): HeraldAttributes => ({
  specversion: '1.0',
  id: 'e-1',
  source: 'https://rides.acme.example',
  type: 'com.acme.rides.ride.requested',
  time: '2026-11-26T10:00:00.000Z',
  recordedtime: '2026-11-26T10:00:01.500Z',
  partitionkey: 'r-1',
  datacontenttype: 'application/avro',
  authtype: 'api_key',
  ...extra,
});

const item = (extra: Partial<ReplayItem> = {}): ReplayItem => ({
  topic: 'events.t',
  partition: 0,
  offset: '17',
  key: Buffer.from('r-1'),
  value: Buffer.from('x'),
  headers: {},
  timestamp: '0',
  attributes: attributes(),
  data: { rideId: 'r-1', status: 'REQUESTED' },
  ...extra,
});

test('versions: the offset (a latest-state record\'s origin offset), the sequence, or the recorded time', () => {
  assert.equal(versionOf(item(), 'offset'), 17n);
  assert.equal(versionOf(item({ origin: { topic: 'events.t', partition: 0, offset: '99' } }), 'offset'), 99n);
  assert.equal(versionOf(item({ attributes: attributes({ sequence: '12' }) }), 'sequence'), 12n);
  assert.equal(versionOf(item(), 'recordedtime'), BigInt(Date.parse('2026-11-26T10:00:01.500Z')));
  assert.throws(() => versionOf(item(), 'sequence'), (err) => err instanceof JobError && err.code === 'missing_sequence' && /no sequence/.test(err.message));
  assert.throws(() => versionOf(item({ attributes: attributes({ sequence: 'v2' }) }), 'sequence'), /"v2", not an integer/);
});

test('the table sink turns events into row changes: deletions by pattern, tombstones skipped', async () => {
  const applied: RowChange[][] = [];
  const sink = new TableSink({
    table: {
      apply: async (changes) => {
        applied.push(changes);
        return { written: changes.filter((c) => !c.deleted).length, skipped: 0, deleted: changes.filter((c) => c.deleted).length };
      },
    },
    version: 'offset',
    deleteWhen: { data: { status: ['CANCELLED'] } },
    maxBatch: 100,
  });
  const result = await sink.write([
    item(),
    item({ offset: '18', data: { rideId: 'r-1', status: 'CANCELLED' } }),
    item({ offset: '19', value: null, attributes: undefined, data: undefined }),
  ]);
  assert.deepEqual(result, { written: 1, skipped: 1, deleted: 1 });
  assert.equal(applied.length, 1);
  assert.deepEqual(
    applied[0]!.map((c) => [c.key, c.version, c.deleted, c.data]),
    [
      ['r-1', 17n, false, { rideId: 'r-1', status: 'REQUESTED' }],
      ['r-1', 18n, true, undefined],
    ],
  );
  assert.equal(applied[0]![0]!.event?.recordedtime, '2026-11-26T10:00:01.500Z');
  await assert.rejects(sink.write([item({ data: 'not a record' })]), (err) => err instanceof JobError && err.code === 'unsupported_data');
});
