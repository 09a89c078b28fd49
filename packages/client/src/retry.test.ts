import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HeraldClientError } from './errors.js';
import { backoffDelay, retry, type RetryPolicy } from './retry.js';

const policy: RetryPolicy = { attempts: 4, initialDelayMs: 1, maxDelayMs: 4 };

/** An operation that fails with the given errors, one per call, then answers 'done'. */
function failing(...errors: Error[]): { operation: () => Promise<string>; calls: () => number } {
  let calls = 0;
  return {
    operation: () => {
      const error = errors[calls++];
      return error ? Promise.reject(error) : Promise.resolve('done');
    },
    calls: () => calls,
  };
}

const transient = (message = 'network down') => new HeraldClientError('network_error', message, { retriable: true });

test('backoff doubles from initialDelayMs up to maxDelayMs, jittered within the upper half', () => {
  const slow: RetryPolicy = { attempts: 10, initialDelayMs: 100, maxDelayMs: 1000 };
  assert.deepEqual(
    [1, 2, 3, 4, 5].map((attempt) => backoffDelay(attempt, slow, () => 1)),
    [100, 200, 400, 800, 1000],
  );
  assert.deepEqual(
    [1, 2, 3, 4, 5].map((attempt) => backoffDelay(attempt, slow, () => 0)),
    [50, 100, 200, 400, 500],
  );
});

test('retries retriable failures until the operation succeeds', async () => {
  const { operation, calls } = failing(transient(), transient());
  assert.equal(await retry(operation, policy), 'done');
  assert.equal(calls(), 3);
});

test('a non-retriable failure escapes at once, as it is', async () => {
  const refused = new HeraldClientError('invalid_request', 'bad body');
  const { operation, calls } = failing(transient(), refused);
  await assert.rejects(retry(operation, policy), (error) => error === refused);
  assert.equal(calls(), 2);
});

test('a programmer error is never retried, whatever it claims', async () => {
  const bug = Object.assign(new TypeError('Do not know how to serialize a BigInt'), { retriable: true });
  const { operation, calls } = failing(bug);
  await assert.rejects(retry(operation, policy), (error) => error === bug);
  assert.equal(calls(), 1);
});

test('after the last attempt, throws retries_exhausted with the last failure as its cause', async () => {
  const last = transient('try 4');
  const { operation, calls } = failing(transient('try 1'), transient('try 2'), transient('try 3'), last);
  await assert.rejects(
    retry(operation, policy),
    (error) =>
      error instanceof HeraldClientError &&
      error.code === 'retries_exhausted' &&
      error.cause === last &&
      error.message === 'gave up after 4 attempts: try 4',
  );
  assert.equal(calls(), 4);
});
