// What the flags of publish, replay start and groups rewind send.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rewindRequest } from './commands/groups.js';
import { batchesOf, eventOf } from './commands/publish.js';
import { parseTarget, replayRequest } from './commands/replay.js';
import { UsageError } from './errors.js';
import { lines, readJsonArgument } from './io.js';

async function* from(...chunks: string[]) {
  yield* chunks;
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

test('stdin JSON lines: split across chunks, blank lines skipped, batched', async () => {
  assert.deepEqual(await collect(lines(from('{"a":1}\n{"a"', ':2}\r\n\n{"a":3}'))), ['{"a":1}', '{"a":2}', '', '{"a":3}']);
  const batches = await collect(batchesOf(lines(from('{"a":1}\n{"a":2}\n\n{"a":3}\n')), 2, false));
  assert.deepEqual(batches, [[{ data: { a: 1 } }, { data: { a: 2 } }], [{ data: { a: 3 } }]]);
  await assert.rejects(collect(batchesOf(lines(from('{"a":1}\nnope\n')), 10, false)), /stdin line 2 is not JSON/);
});

test('--envelope: each input is an event around its data', () => {
  assert.deepEqual(eventOf({ data: { a: 1 }, subject: 'rides/r-1', id: 'x' }, true, 'stdin line 1'), { data: { a: 1 }, subject: 'rides/r-1', id: 'x' });
  assert.throws(() => eventOf({ a: 1 }, true, 'stdin line 1'), /stdin line 1: with --envelope, each event is an object \{data/);
  assert.throws(() => eventOf({ data: 1, source: 'x' }, true, '--data'), /unknown event field\(s\) source/);
  assert.deepEqual(eventOf({ a: 1 }, false, '--data'), { data: { a: 1 } });
});

test('JSON arguments: inline or @file', () => {
  assert.deepEqual(readJsonArgument('data', '{"a":1}'), { a: 1 });
  assert.deepEqual(
    readJsonArgument('data', '@ride.json', (path) => (path === 'ride.json' ? '{"b":2}' : '')),
    { b: 2 },
  );
  assert.throws(() => readJsonArgument('data', '@missing.json', () => { throw new Error('ENOENT'); }), /--data @missing.json: cannot read missing.json/);
  assert.throws(() => readJsonArgument('pattern', '{nope'), (e: unknown) => e instanceof UsageError && /--pattern is not JSON/.test(e.message));
});

test('replay start: the request body from the flags', () => {
  assert.deepEqual(
    replayRequest({ type: ['a.b.c', 'd.e.f'], target: 'topic:replay.x', from: '2026-11-25T00:00:00Z', to: 'latest', pattern: '{"data":{"s":["X"]}}', rate: '500', 'dry-run': true, mode: 'history', description: 'd' }),
    {
      source: { eventTypes: ['a.b.c', 'd.e.f'] },
      target: { kind: 'topic', topic: 'replay.x' },
      description: 'd',
      from: { timestamp: '2026-11-25T00:00:00Z' },
      to: { latest: true },
      mode: 'history',
      pattern: { data: { s: ['X'] } },
      rateLimit: 500,
      dryRun: true,
    },
  );
  assert.deepEqual(replayRequest({ subscription: 's', 'dead-letter': true, target: 'postgres:rides', from: 'earliest' }), {
    source: { subscription: 's', topic: 'dead-letter' },
    target: { kind: 'postgres', table: 'rides' },
    from: { earliest: true },
  });
  assert.deepEqual(parseTarget('http:https://hooks.acme.example/x'), { kind: 'http', url: 'https://hooks.acme.example/x' });
});

test('replay start: usage errors', () => {
  const cases: [Record<string, string | boolean | string[]>, RegExp][] = [
    [{ target: 'topic:replay.x' }, /either --type \(one or more\) or --subscription/],
    [{ type: ['a.b.c'], subscription: 's', target: 'topic:replay.x' }, /either --type/],
    [{ type: ['a.b.c'], 'dead-letter': true, target: 'topic:replay.x' }, /--dead-letter needs --subscription/],
    [{ type: ['a.b.c'] }, /--target is required/],
    [{ type: ['a.b.c'], target: 'kafka:x' }, /--target must be topic:<topic>/],
    [{ type: ['a.b.c'], target: 'topic:' }, /--target must be/],
    [{ type: ['a.b.c'], target: 'topic:replay.x', from: 'yesterday' }, /--from must be an RFC 3339 timestamp/],
    [{ type: ['a.b.c'], target: 'topic:replay.x', mode: 'newest' }, /--mode must be history or latest/],
    [{ type: ['a.b.c'], target: 'topic:replay.x', rate: 'fast' }, /--rate must be a number > 0/],
  ];
  for (const [values, message] of cases) assert.throws(() => replayRequest(values), (e: unknown) => e instanceof UsageError && message.test(e.message), String(message));
});

test('groups rewind: exactly one destination', () => {
  assert.deepEqual(rewindRequest({ subscription: 's', 'to-time': '2026-11-26T08:00:00Z', 'dry-run': true }), { subscription: 's', to: { timestamp: '2026-11-26T08:00:00Z' }, dryRun: true });
  assert.deepEqual(rewindRequest({ subscription: 's', earliest: true }), { subscription: 's', to: { earliest: true } });
  assert.deepEqual(rewindRequest({ subscription: 's', latest: true }), { subscription: 's', to: { latest: true } });
  assert.throws(() => rewindRequest({ earliest: true }), /--subscription is required/);
  assert.throws(() => rewindRequest({ subscription: 's' }), /exactly one of --to-time, --earliest, --latest/);
  assert.throws(() => rewindRequest({ subscription: 's', earliest: true, latest: true }), /exactly one/);
  assert.throws(() => rewindRequest({ subscription: 's', 'to-time': '8am' }), /--to-time must be an RFC 3339 timestamp/);
});
