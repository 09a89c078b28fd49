// A token bucket per principal, in memory: `burst` events at once, `ratePerSecond` sustained.
// Each service instance limits on its own, so N instances allow N times the rate.

export interface RateLimiterOptions {
  ratePerSecond: number;
  /** Bucket size: the most events accepted at once, and the largest cost that can ever pass. */
  burst: number;
  /** Milliseconds on a monotonic clock; for tests. */
  now?: () => number;
}

export type RateDecision = { ok: true } | { ok: false; retryAfterSeconds: number };

interface Bucket {
  tokens: number;
  /** When `tokens` was computed. */
  at: number;
}

export class RateLimiter {
  readonly ratePerSecond: number;
  readonly burst: number;
  readonly #now: () => number;
  /** How long an empty bucket takes to fill up again. */
  readonly #fillMs: number;
  // Kept in order of last take, oldest first, so the full ones are at the front.
  readonly #buckets = new Map<string, Bucket>();

  constructor(options: RateLimiterOptions) {
    if (!(options.ratePerSecond > 0 && Number.isFinite(options.ratePerSecond))) throw new RangeError(`ratePerSecond must be a positive number, got ${options.ratePerSecond}`);
    if (!(options.burst >= 1 && Number.isFinite(options.burst))) throw new RangeError(`burst must be at least 1, got ${options.burst}`);
    this.ratePerSecond = options.ratePerSecond;
    this.burst = options.burst;
    this.#now = options.now ?? (() => performance.now());
    this.#fillMs = (options.burst / options.ratePerSecond) * 1000;
  }

  /**
   * Takes `cost` tokens (one per event) from the principal's bucket, or none when there are
   * too few. A cost above `burst` never passes: callers should cap batches at `burst`.
   */
  take(principalId: string, cost = 1): RateDecision {
    if (!(Number.isInteger(cost) && cost >= 1)) throw new RangeError(`cost must be a positive integer, got ${cost}`);
    const now = this.#now();
    this.#dropFullBuckets(now);
    const bucket = this.#buckets.get(principalId);
    const tokens = bucket === undefined ? this.burst : Math.min(this.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.ratePerSecond);
    if (tokens < cost) return { ok: false, retryAfterSeconds: Math.ceil((cost - tokens) / this.ratePerSecond) };
    this.#buckets.delete(principalId);
    this.#buckets.set(principalId, { tokens: tokens - cost, at: now });
    return { ok: true };
  }

  /** Principals with a bucket in memory: those that took tokens within the last burst/rate seconds. */
  get size(): number {
    return this.#buckets.size;
  }

  // A bucket untouched for #fillMs is full, which is what a missing bucket means: dropping it
  // changes nothing, and bounds memory by the principals active within that window.
  #dropFullBuckets(now: number): void {
    for (const [principalId, bucket] of this.#buckets) {
      if (now - bucket.at < this.#fillMs) return;
      this.#buckets.delete(principalId);
    }
  }
}
