/**
 * Per-token request budget: a token bucket whose capacity equals the rate, refilled continuously.
 * A client that paces itself at the documented 10 req/s never sees a 429; a burst beyond the
 * capacity does.
 */

interface Bucket {
  tokens: number;
  at: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private rps: number,
    private readonly clock: () => number = () => performance.now(),
  ) {}

  get rate(): number {
    return this.rps;
  }

  set(rps: number): void {
    if (!Number.isFinite(rps) || rps < 0)
      throw new RangeError('rps must be a non-negative number (0 = unlimited)');
    this.rps = rps;
    this.buckets.clear();
  }

  /** Takes one request from `key`'s budget: 0 when allowed, else the Retry-After seconds (>= 1). */
  take(key: string): number {
    if (this.rps <= 0) return 0;
    const now = this.clock();
    // Below 1 rps the bucket still has to hold one whole request.
    const capacity = Math.max(1, this.rps);
    const bucket = this.buckets.get(key) ?? { tokens: capacity, at: now };
    bucket.tokens = Math.min(capacity, bucket.tokens + ((now - bucket.at) / 1000) * this.rps);
    bucket.at = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / this.rps));
  }
}
