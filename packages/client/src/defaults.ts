// Every default of the SDK, in one place.
import type { RetryPolicy } from './retry.js';

/** How long one attempt of a request may take, answer body included. */
export const DEFAULT_TIMEOUT_MS = 10_000;

export const DEFAULT_RETRY: RetryPolicy = {
  attempts: 3,
  initialDelayMs: 100,
  // Also caps a Retry-After: a caller waiting on publish should not sleep for minutes.
  maxDelayMs: 5_000,
};
