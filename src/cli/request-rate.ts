/** How long the "current rate" looks back: long enough to smooth a burst, short enough to follow a slowdown. */
export const RATE_WINDOW_MS = 10_000;

/**
 * The rate of a growing count over the last `windowMs`, not the whole run's average: a run that was
 * fast while small tables finished and is now waiting on one slow table shows the slow rate.
 */
export class RecentRate {
  /** (time, count) samples, oldest first; the first is the last one at or before the window's start. */
  private readonly samples: { at: number; count: number }[];

  constructor(
    startedAt: number,
    private readonly windowMs = RATE_WINDOW_MS,
  ) {
    this.samples = [{ at: startedAt, count: 0 }];
  }

  add(at: number, count: number): void {
    this.samples.push({ at, count });
    this.trim(at);
  }

  /** Per second, at `now`. */
  perSecond(now: number): number {
    this.trim(now);
    const from = now - this.windowMs;
    const base = this.samples[0] as { at: number; count: number };
    const last = this.samples[this.samples.length - 1] as { at: number; count: number };
    // Before the window's start the count stood at base.count; a young run counts from its start.
    const span = now - Math.max(base.at, from);
    return span > 0 ? (last.count - base.count) / (span / 1000) : 0;
  }

  private trim(now: number): void {
    const from = now - this.windowMs;
    while (this.samples.length > 1 && (this.samples[1] as { at: number }).at <= from) this.samples.shift();
  }
}
