import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatDuration, formatRate, renderOutcome, renderProgressBar, renderProgressLine, serverSentEvents, type JobProgress } from './progress.js';

const running: JobProgress = { id: 'j1', state: 'running', phase: 'history', percent: 42.5, rate: 4000, etaSeconds: 75, counts: { read: 32000, matched: 13000, written: 13000 } };

test('durations and rates, short', () => {
  assert.equal(formatDuration(0), '0:00');
  assert.equal(formatDuration(2), '0:02');
  assert.equal(formatDuration(75), '1:15');
  assert.equal(formatDuration(3725), '1:02:05');
  assert.equal(formatRate(950), '950/s');
  assert.equal(formatRate(4000), '4.0k/s');
  assert.equal(formatRate(12_500), '13k/s');
  assert.equal(formatRate(3_200_000), '3.2M/s');
});

test('the bar: percent, rate, ETA, state; as wide as the terminal allows', () => {
  const line = renderProgressBar(running, 120);
  assert.match(line, /^\[#+-+\] +42\.5% {2}4\.0k\/s {2}ETA 1:15 {2}running history {2}read 32000 written 13000$/);
  const bar = /^\[([#-]+)\]/.exec(line)![1]!;
  assert.equal(bar.length, 40);
  assert.equal(bar.replace(/-/g, '').length, 17); // 42.5% of 40
  assert.ok(renderProgressBar(running, 60).length <= 59, 'never wraps');
});

test('the bar when nothing is known yet, and when done', () => {
  const pending = renderProgressBar({ id: 'j', state: 'pending', percent: null, rate: null, etaSeconds: null }, 100);
  assert.match(pending, /^\[-+\] {4}--% {2}--\/s {2}ETA --:-- {2}pending {2}read 0 written 0$/);
  const done = renderProgressBar({ ...running, state: 'completed', percent: 100, etaSeconds: null }, 100);
  assert.match(done, /^\[#+\] +100\.0%/);
});

test('a line per update when stderr is no terminal, and the outcome', () => {
  assert.equal(renderProgressLine(running), 'replay j1: 42.5%  4.0k/s  ETA 1:15  running history  read 32000 written 13000');
  assert.equal(renderOutcome({ ...running, state: 'completed', counts: { read: 10, matched: 5, written: 5, rejected: 1 } }), 'replay j1 completed: read 10, matched 5, written 5, rejected 1');
  assert.equal(renderOutcome({ ...running, state: 'failed', error: { code: 'http_target_rejected', message: '400 Bad Request' } }), 'replay j1 failed: read 32000, matched 13000, written 13000, rejected 0 — http_target_rejected: 400 Bad Request');
});

async function* chunked(...chunks: string[]) {
  yield* chunks;
}

test('server-sent events across chunk boundaries, with comments, CRLF and multi-line data', async () => {
  const events = [];
  for await (const event of serverSentEvents(chunked('event: progress\ndata: {"a"', ':1}\n\n: keep-alive\n\n', 'event: end\r\ndata: {"state":"completed"}\r\n\r\n', 'data: one\ndata: two\n\nevent: ignored-without-data\n\n'))) {
    events.push(event);
  }
  assert.deepEqual(events, [
    { event: 'progress', data: '{"a":1}' },
    { event: 'end', data: '{"state":"completed"}' },
    { event: 'message', data: 'one\ntwo' },
  ]);
});
