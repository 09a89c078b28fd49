import assert from 'node:assert/strict';
import { test } from 'node:test';
import { emptyCounts, type Progress, type ReplayJob } from './jobs/model.js';
import { allowedUrl, view } from './replays-api.js';

const job: ReplayJob = {
  name: '0193a5c4-6f1e-7c3a-9d2b-5e8f1a2b3c4d',
  kind: 'replay',
  owner: 'billing',
  spec: { source: { eventTypes: ['com.acme.rides.ride.requested'] }, from: { earliest: true }, to: { latest: true }, mode: 'history', dryRun: false, target: { kind: 'topic', topic: 'replay.x' } },
  control: 'run',
  revision: 1,
  createdAt: '2026-11-26T10:00:00.000Z',
  updatedAt: '2026-11-26T10:00:00.000Z',
};

const segment = (partition: number, start: string, end: string, position: string | null, phase: Progress['phase'] = 'history') => ({
  topic: 'events.com.acme.rides.ride.requested',
  partition,
  phase,
  start,
  end,
  position,
  read: 0,
  matched: 0,
});

test('a job\'s view: what is left per partition and in all, the share done, and the time left at its rate', () => {
  const progress: Progress = {
    name: job.name,
    state: 'running',
    phase: 'history',
    segments: [segment(0, '100', '1100', '600'), segment(1, '0', '1000', '1000'), segment(2, '5', '5', '5')],
    counts: emptyCounts(),
    rate: 250,
    updatedAt: '2026-11-26T10:00:01.000Z',
  };
  const v = view(job, progress);
  assert.deepEqual(
    v.partitions.map((p) => p.remaining),
    ['500', '0', '0'],
  );
  assert.equal(v.remaining, 500);
  assert.equal(v.percent, 75);
  assert.equal(v.etaSeconds, 2);
  assert.equal(v.state, 'running');
});

test('a tail not yet positioned counts from its start; a finished job is done; a job not yet run is pending', () => {
  const tail: Progress = {
    name: job.name,
    state: 'running',
    phase: 'snapshot',
    segments: [segment(0, '0', '10', '10', 'snapshot'), segment(0, '0', '30', null, 'tail')],
    counts: emptyCounts(),
    rate: 0,
    updatedAt: '2026-11-26T10:00:01.000Z',
  };
  const v = view(job, tail);
  assert.equal(v.remaining, 30);
  assert.equal(v.percent, 25);
  assert.equal(v.etaSeconds, null, 'no rate, no estimate');
  assert.equal(view(job, { ...tail, state: 'completed' }).percent, 100);
  assert.equal(view(job, undefined).state, 'pending');
});

test('an http target\'s URL must be under an allowed prefix, judged on the parsed URL', () => {
  const prefixes = ['http://localhost:', 'https://hooks.acme.example/rides/'];
  assert.ok(allowedUrl('http://localhost:9000/sink', prefixes));
  assert.ok(allowedUrl('https://hooks.acme.example/rides/v1', prefixes));
  assert.ok(allowedUrl('HTTPS://HOOKS.ACME.EXAMPLE/rides/v1', prefixes), 'the host is compared normalized');
  assert.ok(!allowedUrl('http://localhost:80@evil.example/', prefixes), 'credentials make it another host');
  assert.ok(!allowedUrl('https://user@hooks.acme.example/rides/', prefixes));
  assert.ok(!allowedUrl('https://hooks.acme.example/payments/', prefixes));
  assert.ok(!allowedUrl('https://hooks.acme.example.evil.example/rides/', prefixes));
  assert.ok(!allowedUrl('http://127.0.0.1:9000/', prefixes));
  assert.ok(!allowedUrl('not a url', prefixes));
  assert.ok(!allowedUrl('http://localhost:9000/', []), 'no prefix: the target is off');
});
