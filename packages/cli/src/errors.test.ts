import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HeraldApiError, HeraldClientError } from '@herald/client';
import { problemError } from './api.js';
import { CliError, EXIT_CODES, UsageError, outcomeOf } from './errors.js';

test('the exit codes scripts rely on', () => {
  assert.deepEqual(EXIT_CODES, { ok: 0, api: 1, usage: 2, unreachable: 3, job_failed: 4, interrupted: 130 });
});

test('a problem the API answered: exit 1, "code: detail" and each field error', () => {
  const forbidden = problemError(403, 'Forbidden', JSON.stringify({ code: 'forbidden', title: 'Forbidden', status: 403, detail: 'outsider is not a writer of a.b.c' }));
  assert.deepEqual(outcomeOf(forbidden), { exitCode: 1, message: 'forbidden: outsider is not a writer of a.b.c' });

  const invalid = new HeraldApiError({ status: 422, code: 'invalid_event', title: 'Invalid event', errors: [{ index: 1, path: '/data/rideId', message: 'must be a string' }, { message: 'whole' }] });
  assert.deepEqual(outcomeOf(invalid), { exitCode: 1, message: 'invalid_event: Invalid event\n  event 1 /data/rideId: must be a string\n  whole' });
});

test("codes the SDK does not list (the router's, the replay service's) are printed as sent", () => {
  const active = problemError(409, 'Conflict', JSON.stringify({ code: 'group_active', title: 'Group active', detail: 'the group has 2 members' }));
  assert.equal(active.code, 'unexpected_response');
  assert.deepEqual(outcomeOf(active), { exitCode: 1, message: 'group_active: the group has 2 members' });
  // Not a problem at all (a proxy's page): the status stands in for the code.
  assert.deepEqual(outcomeOf(problemError(502, 'Bad Gateway', '<html>')), { exitCode: 1, message: 'http_502: Bad Gateway' });
});

test('cannot connect: exit 3, also when retries ran out on connection failures', () => {
  const refused = new HeraldClientError('network_error', 'GET http://x/v1 failed: connect ECONNREFUSED');
  assert.equal(outcomeOf(refused).exitCode, 3);
  assert.match(outcomeOf(refused).message, /^cannot connect: GET http:\/\/x\/v1 failed/);
  assert.equal(outcomeOf(new HeraldClientError('timeout', 'no answer')).exitCode, 3);
  assert.equal(outcomeOf(new HeraldClientError('retries_exhausted', 'gave up', { cause: refused })).exitCode, 3);
  const kafka = Object.assign(new Error('Connection error: connect ECONNREFUSED 127.0.0.1:1'), { name: 'KafkaJSConnectionError' });
  assert.equal(outcomeOf(kafka).exitCode, 3);
  const retried = Object.assign(new Error('retries exceeded'), { name: 'KafkaJSNumberOfRetriesExceeded' });
  assert.equal(outcomeOf(retried).exitCode, 3);
});

test('retries that ran out on 503s report the last problem: exit 1', () => {
  const unavailable = problemError(503, 'Service Unavailable', JSON.stringify({ code: 'kafka_unavailable', title: 'Kafka unavailable' }));
  assert.deepEqual(outcomeOf(new HeraldClientError('retries_exhausted', 'gave up', { cause: unavailable, retriable: true })), { exitCode: 1, message: 'kafka_unavailable: Kafka unavailable' });
});

test('usage 2, job failed 4, interrupted 130; anything else is a failure (1) with its name', () => {
  assert.deepEqual(outcomeOf(new UsageError('--max must be an integer')), { exitCode: 2, message: '--max must be an integer' });
  assert.equal(outcomeOf(new CliError('job_failed', 'replay x failed')).exitCode, 4);
  assert.equal(outcomeOf(new CliError('interrupted', 'interrupted')).exitCode, 130);
  assert.deepEqual(outcomeOf(new TypeError('boom')), { exitCode: 1, message: 'TypeError: boom' });
});
