/**
 * Per-token request limits, in the three ways an API gateway commonly counts "N per second", so a
 * client's pacing can be tested against each (the App API documents 10 per second per workspace,
 * not how it counts):
 * - `token-bucket`: a bucket of N refilled continuously; a burst of N, then N per second.
 * - `rolling`: at most N requests accepted in any rolling 1,000 ms (by arrival time). The strictest:
 *   a client pacing at exactly N per second sees a 429 whenever jitter brings two arrivals closer.
 * - `fixed-window`: at most N accepted per calendar second; up to 2N may arrive within 1,000 ms
 *   across a boundary.
 * Refused requests are not counted against later ones.
 */

export const LIMITER_MODES = ['token-bucket', 'rolling', 'fixed-window'] as const;
export type LimiterMode = (typeof LIMITER_MODES)[number];

const WINDOW_MS = 1000;

/** One token's count under a mode: `take` answers 0 (allowed) or the Retry-After seconds. */
interface Counter {
  take(now: number, rps: number): number;
}

function tokenBucket(first: number, rps: number): Counter {
  // Below 1 rps the bucket still has to hold one whole request.
  const capacity = Math.max(1, rps);
  let tokens = capacity;
  let at = first;
  return {
    take(now, rate) {
      tokens = Math.min(capacity, tokens + ((now - at) / 1000) * rate);
      at = now;
      if (tokens >= 1) {
        tokens -= 1;
        return 0;
      }
      return Math.max(1, Math.ceil((1 - tokens) / rate));
    },
  };
}

function rollingWindow(): Counter {
  // Arrival times of the accepted requests within the last window, oldest first.
  const accepted: number[] = [];
  let head = 0;
  return {
    take(now, rps) {
      while (head < accepted.length && (accepted[head] as number) <= now - WINDOW_MS) head++;
      if (head > 1024) {
        accepted.splice(0, head);
        head = 0;
      }
      const limit = Math.max(1, Math.floor(rps));
      if (accepted.length - head < limit) {
        accepted.push(now);
        return 0;
      }
      const frees = (accepted[head] as number) + WINDOW_MS;
      return Math.max(1, Math.ceil((frees - now) / 1000));
    },
  };
}

function fixedWindow(): Counter {
  let window = Number.NaN;
  let count = 0;
  return {
    take(now, rps) {
      const current = Math.floor(now / WINDOW_MS);
      if (current !== window) {
        window = current;
        count = 0;
      }
      if (count < Math.max(1, Math.floor(rps))) {
        count++;
        return 0;
      }
      return 1;
    },
  };
}

export class RateLimiter {
  private readonly counters = new Map<string, Counter>();

  constructor(
    private rps: number,
    private readonly clock: () => number = () => performance.now(),
    readonly mode: LimiterMode = 'token-bucket',
  ) {}

  get rate(): number {
    return this.rps;
  }

  set(rps: number): void {
    if (!Number.isFinite(rps) || rps < 0)
      throw new RangeError('rps must be a non-negative number (0 = unlimited)');
    this.rps = rps;
    this.counters.clear();
  }

  /** Takes one request from `key`'s budget: 0 when allowed, else the Retry-After seconds (>= 1). */
  take(key: string): number {
    if (this.rps <= 0) return 0;
    const now = this.clock();
    let counter = this.counters.get(key);
    if (counter === undefined) {
      counter = this.newCounter(now);
      this.counters.set(key, counter);
    }
    return counter.take(now, this.rps);
  }

  private newCounter(now: number): Counter {
    switch (this.mode) {
      case 'token-bucket':
        return tokenBucket(now, this.rps);
      case 'rolling':
        return rollingWindow();
      case 'fixed-window':
        return fixedWindow();
    }
  }
}
