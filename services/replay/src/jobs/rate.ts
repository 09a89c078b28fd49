// Pacing and measuring a job: a token bucket for its events/s limit, and its recent rate.
import { setTimeout as sleep } from 'node:timers/promises';

export class TokenBucket {
  private tokens: number;
  private refilledAt = performance.now();
  private readonly capacity: number;

  /** At most `perSecond` on average, with bursts of up to one second's worth. */
  constructor(private readonly perSecond: number) {
    this.capacity = Math.max(1, perSecond);
    this.tokens = this.capacity;
  }

  /** Resolves once `count` (at most one second's worth) may go; rejects when `signal` aborts. */
  async take(count: number, signal: AbortSignal): Promise<void> {
    for (;;) {
      this.refill();
      if (this.tokens >= count || this.tokens >= this.capacity) {
        this.tokens -= count;
        return;
      }
      const waitMs = Math.ceil(((Math.min(count, this.capacity) - this.tokens) / this.perSecond) * 1000);
      await sleep(Math.max(1, waitMs), undefined, { signal });
    }
  }

  private refill(): void {
    const now = performance.now();
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.refilledAt) / 1000) * this.perSecond);
    this.refilledAt = now;
  }
}

/** Events per second over a sliding window of recent samples. */
export class RateMeter {
  private readonly samples: Array<{ at: number; total: number }> = [];

  constructor(private readonly windowMs = 5000) {}

  sample(total: number, at = performance.now()): void {
    this.samples.push({ at, total });
    while (this.samples.length > 2 && at - this.samples[0]!.at > this.windowMs) this.samples.shift();
  }

  get rate(): number {
    const first = this.samples[0];
    const last = this.samples.at(-1);
    if (!first || !last || last.at - first.at < 100) return 0;
    return ((last.total - first.total) * 1000) / (last.at - first.at);
  }
}
