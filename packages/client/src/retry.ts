// Retrying a call: jittered exponential backoff, or the server's Retry-After when it gave one.
// Only failures that declare themselves retriable are retried; anything else (a 4xx, a bug
// such as a TypeError) escapes at once.
import { setTimeout as sleep } from 'node:timers/promises';
import { HeraldApiError, HeraldClientError } from './errors.js';

export interface RetryPolicy {
  /** Attempts in all, the first included; 1 disables retrying. */
  attempts: number;
  /** Ceiling of the first backoff; doubles with each attempt. */
  initialDelayMs: number;
  /** Ceiling of any wait, Retry-After included. */
  maxDelayMs: number;
}

/**
 * The wait before attempt `attempt + 1`: a random value in the upper half of an exponentially
 * growing ceiling. Jitter keeps clients that failed together from retrying in lockstep; the
 * lower bound keeps the backoff a backoff.
 */
export function backoffDelay(attempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** (attempt - 1));
  return ceiling / 2 + (random() * ceiling) / 2;
}

/**
 * Runs `operation` until it succeeds, fails with a non-retriable error (thrown as is), or has
 * failed `policy.attempts` times with retriable ones: then a `retries_exhausted` error is
 * thrown with the last failure as its cause.
 */
export async function retry<T>(operation: () => Promise<T>, policy: RetryPolicy): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation();
    } catch (error) {
      if (!(error instanceof HeraldClientError) || !error.retriable) throw error;
      if (attempt >= policy.attempts) {
        // Still retriable: an outbox may well try again later, just not within this call.
        throw new HeraldClientError('retries_exhausted', `gave up after ${attempt} attempts: ${error.message}`, { retriable: true, cause: error });
      }
      const retryAfterMs = error instanceof HeraldApiError ? error.retryAfterMs : undefined;
      await sleep(retryAfterMs === undefined ? backoffDelay(attempt, policy) : Math.min(retryAfterMs, policy.maxDelayMs));
    }
  }
}
