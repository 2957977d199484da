import { waitUnlessAborted } from './abort.js';
import { type Clock, systemClock } from './clock.js';
import type { Release } from './semaphore.js';

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

export interface StartOptions {
  signal?: AbortSignal | undefined;
  /**
   * Who asks (a stream). Among waiters, the one whose key has the fewest requests outstanding
   * (queued or in flight) goes first, so a sequential page chain (one at a time) overtakes a
   * fan-out of parallel calls; equal counts go in arrival order.
   */
  key?: string | undefined;
}

/**
 * What a start resolves to: call it when the response has been read (it frees the in-flight slot);
 * call `sent()` at the moment the request is written to the network, if the caller can tell.
 */
export interface Grant extends Release {
  /**
   * The request left now. The window guard then counts it from this moment rather than from its
   * grant: a request that waited in the client after its grant (a connection being opened, a busy
   * event loop) reaches the server that much later, bunched with the ones granted after it.
   * `freshConnection`: it is the first on a new connection, which the server has to accept before
   * it reads the request, so it is counted FRESH_CONNECTION_MS later still.
   */
  sent(freshConnection?: boolean): void;
}

/** One start as the window guard counts it: its grant, moved to its send once that is known. */
interface GuardEntry {
  at: number;
}

interface Waiter {
  seq: number;
  enqueuedAt: number;
  key: string;
  grant: (entry: GuardEntry) => void;
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
 * Adaptive spacing (AIMD on the interval). A 429 widens the spacing by this fraction of the nominal
 * interval, at most once per ADAPT_HOLD_MS (the requests already in flight meet the same crowded
 * second), up to MAX_EXTRA_SPACING; every start then narrows it by RECOVERY_PER_START, back to the
 * configured margin after ~250 clean starts per step (25 s at 10/s). Arrival times jitter with the
 * load of both machines, so a rate that was fine a minute ago may not be now, and a margin wide
 * enough for the worst moment would cost every sync its width all the time.
 */
const SPACING_STEP = 0.05;
const MAX_EXTRA_SPACING = 0.5;
const RECOVERY_PER_START = SPACING_STEP / 250;
const ADAPT_HOLD_MS = 1000;

/**
 * How much later than its write the first request on a new connection may reach the server, beyond
 * what a request on a connection in use does: the server accepts the connection and sets it up
 * first. Measured on loopback against the simulator beside a busy core: 35-130 ms, against a few ms
 * on a warm connection; a connection pool opens few connections, so this costs little.
 */
const FRESH_CONNECTION_MS = 100;

/**
 * The guard's window is widened by how late the budget's own timers have lately fired. The client's
 * own delays are measured (a request counts from its send), but on a loaded machine the server's
 * reading of a request is late too, by amounts the client cannot see, and they come with the same
 * load. Measured beside a core-burner (2026-12-05, rolling limiter, 5 runs each): with this slack
 * 3 answers 429 in all and 41.4 s from first request to last answer; without it 6 and 41.9 s. The
 * estimate is the latest lateness, decaying by LAG_DECAY ms per ms, capped at MAX_LAG_SLACK_MS.
 */
const LAG_DECAY = 0.01;
const MAX_LAG_SLACK_MS = 100;

/**
 * The one request budget of a run: a rate limiter that spreads request starts evenly (burst 1) and
 * an in-flight cap, scheduled together. Every attempt of every stream starts through it, so
 * concurrency across streams never raises the request rate, and a 429 (`penalize`) pauses everyone.
 *
 * A waiter holds no in-flight slot while it waits for the rate, so queued parallel calls cannot
 * lock a sequential chain out of the slots; which waiter a free start goes to is decided only when
 * it is free (fewest outstanding for the key first), because with the API's latency the long
 * cursor chains, not the rate, would otherwise set the length of a sync.
 *
 * Spacing follows a theoretical schedule (GCRA) rather than actual grant times so late timers do
 * not accumulate into a lower rate; a sliding-window guard over the actual start times then makes
 * sure catch-up after a late timer never puts more than `rate` starts into any one second. A start
 * counts from when the request was written to the network when the caller reports it (`sent`),
 * else from its grant: the server counts arrivals, and a request can wait in the client after its
 * grant (a connection being opened, a busy event loop) for 100 ms and more, which bunched it with
 * the next ten at the server (4 of the first 5 rolling-limiter 429s traced had that cause).
 */
export class RequestBudget {
  readonly ratePerSecond: number;
  readonly concurrency: number;
  readonly #clock: Clock;
  readonly #nominalIntervalMs: number;
  readonly #margin: number;
  /** Spacing added by 429s, as a fraction of the nominal interval (see SPACING_STEP). */
  #extraSpacing = 0;
  #lastWidenedAt = Number.NEGATIVE_INFINITY;
  #intervalMs: number;
  readonly #catchUpMs: number;
  readonly #guardCount: number;
  #guardWindowMs: number;
  /**
   * The last starts (ring, in grant order; `#guardCount` plus one per slot, since a start sent late
   * may be among the latest sends while no longer among the latest grants).
   */
  readonly #recent: GuardEntry[] = [];
  readonly #recentSize: number;
  #recentHead = 0;
  /** The `#guardCount`-th latest counted time, cached until an entry changes (NaN: stale). */
  #guardFrom = Number.NaN;
  #theoreticalNext = Number.NEGATIVE_INFINITY;
  #pausedUntil = Number.NEGATIVE_INFINITY;
  #held = 0;
  /** When an in-flight slot last came free: a waiter held back by slots banks no rate credit before it. */
  #slotFreedAt = Number.NEGATIVE_INFINITY;
  /** Requests queued or in flight, per key: the load that orders waiters. */
  readonly #outstanding = new Map<string, number>();
  #queue: Waiter[] = [];
  #seq = 0;
  #timer: unknown;
  #timerAt = Number.POSITIVE_INFINITY;
  /** The lateness of the last late timer, and when it was seen (see LAG_DECAY). */
  #lagMs = 0;
  #lagSeenAt = Number.NEGATIVE_INFINITY;

  constructor(options: RequestBudgetOptions = {}) {
    const rate = options.ratePerSecond ?? 10;
    const margin = options.safetyMargin ?? 0.015;
    const concurrency = options.concurrency ?? 8;
    if (!(Number.isFinite(rate) && rate > 0)) throw new RangeError(`ratePerSecond must be > 0, got ${rate}`);
    if (!(margin >= 0 && margin < 1)) throw new RangeError(`safetyMargin must be in [0, 1), got ${margin}`);
    if (!Number.isInteger(concurrency) || concurrency < 1)
      throw new RangeError(`concurrency must be a positive integer, got ${concurrency}`);
    this.ratePerSecond = rate;
    this.concurrency = concurrency;
    this.#clock = options.clock ?? systemClock;
    this.#nominalIntervalMs = 1000 / rate;
    this.#margin = margin;
    this.#intervalMs = this.#nominalIntervalMs * (1 + margin);
    this.#catchUpMs = Math.max(this.#intervalMs, MAX_CATCH_UP_MS);
    this.#guardCount = Math.min(MAX_GUARD_COUNT, Math.max(1, Math.floor(rate)));
    this.#recentSize = this.#guardCount + concurrency;
    this.#guardWindowMs = this.#guardCount * this.#intervalMs;
  }

  /** The spacing of starts now, in ms (the configured one, widened after 429s). */
  get intervalMs(): number {
    return this.#intervalMs;
  }

  #setSpacing(extra: number): void {
    this.#extraSpacing = Math.min(MAX_EXTRA_SPACING, Math.max(0, extra));
    this.#intervalMs = this.#nominalIntervalMs * (1 + this.#margin + this.#extraSpacing);
    // The guard counts actual grant times, which late timers bunch: it keeps the same width, so
    // catching up never packs `rate` starts into less than `rate` intervals.
    this.#guardWindowMs = this.#guardCount * this.#intervalMs;
  }

  /**
   * Resolves when one request may start: an in-flight slot and a rate grant at once. Call the
   * returned function when the response has been read. Rejects with the signal's reason on abort.
   */
  start(options: StartOptions = {}): Promise<Grant> {
    const key = options.key ?? '';
    let waiter: Waiter | undefined;
    return waitUnlessAborted<Grant>(
      options.signal,
      (resolve) => {
        const entry: Waiter = {
          seq: this.#seq++,
          enqueuedAt: this.#clock.now(),
          key,
          grant: (guard) => resolve(this.#releaser(key, guard)),
        };
        waiter = entry;
        this.#queue.push(entry);
        this.#count(key, 1);
        this.#pump();
      },
      () => this.#withdraw(waiter),
    );
  }

  /**
   * The server said "slow down": no request of this run starts for `retryAfterSeconds`, and starts
   * are spaced wider from then on, narrowing again while no 429 comes (see SPACING_STEP).
   */
  penalize(retryAfterSeconds: number): void {
    const seconds = Number.isFinite(retryAfterSeconds) && retryAfterSeconds >= 0 ? retryAfterSeconds : 1;
    const now = this.#clock.now();
    this.#pausedUntil = Math.max(this.#pausedUntil, now + seconds * 1000);
    if (now - this.#lastWidenedAt >= ADAPT_HOLD_MS) {
      this.#lastWidenedAt = now;
      this.#setSpacing(this.#extraSpacing + SPACING_STEP);
    }
  }

  #releaser(key: string, guard: GuardEntry): Grant {
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      if (this.#held === this.concurrency) this.#slotFreedAt = this.#clock.now();
      this.#held--;
      this.#count(key, -1);
      this.#pump();
    };
    const sent = (freshConnection = false) => {
      const at = this.#clock.now() + (freshConnection ? FRESH_CONNECTION_MS : 0);
      if (released || at <= guard.at) return;
      guard.at = at;
      this.#guardFrom = Number.NaN;
    };
    return Object.assign(release, { sent });
  }

  /** Grants every waiter that can start now, best first; arms a timer for the next rate grant. */
  #pump(): void {
    for (;;) {
      const now = this.#clock.now();
      const rateAt = this.#earliestStart();
      const slotFree = this.#held < this.concurrency;
      const chosen = rateAt <= now && slotFree ? this.#best() : undefined;
      if (chosen === undefined) {
        // Someone could start but for the rate: wake up when it allows the next start.
        const blockedByRate = slotFree && this.#queue.length > 0;
        this.#arm(blockedByRate ? rateAt : Number.POSITIVE_INFINITY, now);
        return;
      }
      this.#queue.splice(this.#queue.indexOf(chosen), 1);
      const guard = this.#recordGrant(now, Math.max(chosen.enqueuedAt, this.#slotFreedAt));
      // It stays outstanding until it releases its slot.
      this.#held++;
      chosen.grant(guard);
    }
  }

  /** The waiter to serve next when one may start, or undefined when none waits. */
  #best(): Waiter | undefined {
    let best: Waiter | undefined;
    let bestLoad = Number.POSITIVE_INFINITY;
    for (const waiter of this.#queue) {
      const load = this.#outstanding.get(waiter.key) ?? 0;
      // The queue is in arrival order, so strictly-less keeps FIFO among equals.
      if (load < bestLoad) {
        best = waiter;
        bestLoad = load;
      }
    }
    return best;
  }

  #arm(at: number, now: number): void {
    if (at === this.#timerAt) return;
    if (this.#timer !== undefined) this.#clock.clearTimer(this.#timer);
    this.#timer = undefined;
    this.#timerAt = at;
    if (at === Number.POSITIVE_INFINITY) return;
    // Rounded up: a timer that fires a fraction early would only re-arm itself.
    this.#timer = this.#clock.setTimer(
      () => {
        this.#timer = undefined;
        this.#timerAt = Number.POSITIVE_INFINITY;
        this.#noteLateness(at);
        this.#pump();
      },
      Math.max(1, Math.ceil(at - now)),
    );
  }

  #noteLateness(dueAt: number): void {
    const now = this.#clock.now();
    // Timers are armed for whole milliseconds ahead: under 1 ms late is on time.
    const late = Math.max(0, now - Math.ceil(dueAt) - 1);
    if (late >= this.#lagSlack(now)) {
      this.#lagMs = Math.min(MAX_LAG_SLACK_MS, late);
      this.#lagSeenAt = now;
    }
  }

  #lagSlack(now: number): number {
    return Math.max(0, this.#lagMs - (now - this.#lagSeenAt) * LAG_DECAY);
  }

  #earliestStart(): number {
    if (this.#recent.length < this.#guardCount) {
      return Math.max(this.#theoreticalNext, this.#pausedUntil);
    }
    const guard = this.#guardFromTime() + this.#guardWindowMs + this.#lagSlack(this.#clock.now());
    return Math.max(this.#theoreticalNext, this.#pausedUntil, guard);
  }

  /**
   * The `#guardCount`-th latest counted start: the next may start only a guard window after it, so
   * no window holds more than `#guardCount`. Sends reorder the entries, hence a selection, not the
   * ring's oldest.
   */
  #guardFromTime(): number {
    if (Number.isNaN(this.#guardFrom)) {
      // A typed array sorts numerically in native code: cheap even at 1,000 entries.
      const times = Float64Array.from(this.#recent, (entry) => entry.at).sort();
      this.#guardFrom = times[times.length - this.#guardCount] as number;
    }
    return this.#guardFrom;
  }

  #recordGrant(now: number, eligibleSince: number): GuardEntry {
    if (this.#extraSpacing > 0) this.#setSpacing(this.#extraSpacing - RECOVERY_PER_START);
    // The slot this grant fills: late timers may be made up for, an idle budget banks no credit.
    const slot = Math.max(this.#theoreticalNext, this.#pausedUntil, eligibleSince, now - this.#catchUpMs);
    this.#theoreticalNext = slot + this.#intervalMs;
    const entry: GuardEntry = { at: now };
    if (this.#recent.length < this.#recentSize) {
      this.#recent.push(entry);
    } else {
      this.#recent[this.#recentHead] = entry;
      this.#recentHead = (this.#recentHead + 1) % this.#recentSize;
    }
    this.#guardFrom = Number.NaN;
    return entry;
  }

  #count(key: string, delta: number): void {
    const count = (this.#outstanding.get(key) ?? 0) + delta;
    if (count > 0) this.#outstanding.set(key, count);
    else this.#outstanding.delete(key);
  }

  #withdraw(waiter: Waiter | undefined): void {
    const index = waiter === undefined ? -1 : this.#queue.indexOf(waiter);
    if (index < 0) return;
    this.#queue.splice(index, 1);
    this.#count((waiter as Waiter).key, -1);
    // The timer may have been armed for this waiter alone.
    this.#pump();
  }
}
