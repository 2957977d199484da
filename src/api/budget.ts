import { waitUnlessAborted } from './abort.js';
import { type Clock, systemClock } from './clock.js';
import { type Release, Semaphore } from './semaphore.js';

export interface RequestBudgetOptions {
  /** Request starts per second shared by every caller (the App API allows 10). Default 10. */
  ratePerSecond?: number;
  /** Requests in flight at once at most. Default 8. */
  concurrency?: number;
  /**
   * Fraction by which starts are spaced wider than 1/rate. Requests reach the server with jittery
   * latency, so exact spacing would let a strict "N per rolling second" limiter see N+1; 1.5 %
   * keeps a long run above 98 % of the rate while leaving ~15 ms of slack per second at 10/s.
   */
  safetyMargin?: number;
  clock?: Clock;
}

interface Waiter {
  enqueuedAt: number;
  resolve: () => void;
}

/**
 * How much timer lateness later grants may make up. Timers fire a few ms late (more under load);
 * at high rates that is several intervals, and not making it up would cost the rate. Beyond this
 * the loss is accepted rather than released as a burst.
 */
const MAX_CATCH_UP_MS = 100;

/** Most grant times remembered by the sliding-window guard (bounds memory at very high rates). */
const MAX_GUARD_COUNT = 1000;

/**
 * The one request budget of a run: a rate limiter that spreads request starts evenly (burst 1) and
 * a separate in-flight semaphore. Every attempt of every stream acquires from it, so concurrency
 * across streams never raises the request rate, and a 429 (`penalize`) pauses everyone.
 *
 * Spacing follows a theoretical schedule (GCRA) rather than actual grant times so late timers do
 * not accumulate into a lower rate; a sliding-window guard over the actual grant times then makes
 * sure catch-up after a late timer never puts more than `rate` starts into any one second.
 */
export class RequestBudget {
  readonly ratePerSecond: number;
  readonly concurrency: number;
  readonly #clock: Clock;
  readonly #slots: Semaphore;
  readonly #intervalMs: number;
  readonly #catchUpMs: number;
  readonly #guardCount: number;
  readonly #guardWindowMs: number;
  readonly #recentGrants: number[] = [];
  #recentHead = 0;
  #theoreticalNext = Number.NEGATIVE_INFINITY;
  #pausedUntil = Number.NEGATIVE_INFINITY;
  #granted = 0;
  readonly #queue: Waiter[] = [];
  #timer: unknown;

  constructor(options: RequestBudgetOptions = {}) {
    const rate = options.ratePerSecond ?? 10;
    const margin = options.safetyMargin ?? 0.015;
    if (!(Number.isFinite(rate) && rate > 0)) throw new RangeError(`ratePerSecond must be > 0, got ${rate}`);
    if (!(margin >= 0 && margin < 1)) throw new RangeError(`safetyMargin must be in [0, 1), got ${margin}`);
    this.ratePerSecond = rate;
    this.concurrency = options.concurrency ?? 8;
    this.#slots = new Semaphore(this.concurrency);
    this.#clock = options.clock ?? systemClock;
    this.#intervalMs = (1000 / rate) * (1 + margin);
    this.#catchUpMs = Math.max(this.#intervalMs, MAX_CATCH_UP_MS);
    this.#guardCount = Math.min(MAX_GUARD_COUNT, Math.max(1, Math.floor(rate)));
    this.#guardWindowMs = (this.#guardCount * 1000) / rate;
  }

  /** Resolves when one more request may start. Rejects with the signal's reason on abort. */
  acquire(signal?: AbortSignal): Promise<void> {
    let waiter: Waiter | undefined;
    return waitUnlessAborted<void>(
      signal,
      (resolve) => {
        waiter = { enqueuedAt: this.#clock.now(), resolve };
        this.#queue.push(waiter);
        if (this.#queue.length === 1) this.#pump();
      },
      () => this.#withdraw(waiter),
    );
  }

  /** Takes one of the `concurrency` in-flight slots; call the returned function when the response is read. */
  acquireSlot(signal?: AbortSignal): Promise<Release> {
    return this.#slots.acquire(signal);
  }

  /** The server said "slow down": no request of this run starts for `retryAfterSeconds`. */
  penalize(retryAfterSeconds: number): void {
    const seconds = Number.isFinite(retryAfterSeconds) && retryAfterSeconds >= 0 ? retryAfterSeconds : 1;
    this.#pausedUntil = Math.max(this.#pausedUntil, this.#clock.now() + seconds * 1000);
  }

  /** Milliseconds left of the current pause (0 when not paused). */
  pauseRemainingMs(): number {
    return Math.max(0, this.#pausedUntil - this.#clock.now());
  }

  /** Requests granted so far. */
  get granted(): number {
    return this.#granted;
  }

  /** Requests in flight (slots held). */
  get inFlight(): number {
    return this.#slots.held;
  }

  #pump(): void {
    this.#timer = undefined;
    for (let head = this.#queue[0]; head !== undefined; head = this.#queue[0]) {
      const now = this.#clock.now();
      const at = this.#earliestStart();
      if (at > now) {
        // Rounded up: a timer that fires a fraction early would only re-arm itself.
        this.#timer = this.#clock.setTimer(() => this.#pump(), Math.max(1, Math.ceil(at - now)));
        return;
      }
      this.#queue.shift();
      this.#recordGrant(now, head.enqueuedAt);
      head.resolve();
    }
  }

  #earliestStart(): number {
    const oldest =
      this.#recentGrants.length < this.#guardCount
        ? Number.NEGATIVE_INFINITY
        : (this.#recentGrants[this.#recentHead] as number) + this.#guardWindowMs;
    return Math.max(this.#theoreticalNext, this.#pausedUntil, oldest);
  }

  #recordGrant(now: number, enqueuedAt: number): void {
    // The slot this grant fills: late timers may be made up for, an idle budget banks no credit.
    const slot = Math.max(this.#theoreticalNext, this.#pausedUntil, enqueuedAt, now - this.#catchUpMs);
    this.#theoreticalNext = slot + this.#intervalMs;
    if (this.#recentGrants.length < this.#guardCount) {
      this.#recentGrants.push(now);
    } else {
      this.#recentGrants[this.#recentHead] = now;
      this.#recentHead = (this.#recentHead + 1) % this.#guardCount;
    }
    this.#granted++;
  }

  #withdraw(waiter: Waiter | undefined): void {
    const index = waiter === undefined ? -1 : this.#queue.indexOf(waiter);
    if (index < 0) return;
    this.#queue.splice(index, 1);
    // A pending timer belongs to whoever is at the head now; only an empty queue lets it go.
    if (this.#queue.length === 0 && this.#timer !== undefined) {
      this.#clock.clearTimer(this.#timer);
      this.#timer = undefined;
    }
  }
}
