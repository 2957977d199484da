import type { Clock } from '../../../src/api/clock.js';

interface Timer {
  id: number;
  at: number;
  callback: () => void;
}

/**
 * A clock for the request budget whose time moves only when `run` fires the next timer. Timers can
 * fire late (as real ones do) by whatever `lateness` returns, in milliseconds.
 */
export class VirtualClock implements Clock {
  time = 0;
  #timers: Timer[] = [];
  #nextId = 1;
  readonly #lateness: () => number;

  constructor(lateness: () => number = () => 0) {
    this.#lateness = lateness;
  }

  now(): number {
    return this.time;
  }

  setTimer(callback: () => void, delayMs: number): unknown {
    const timer = { id: this.#nextId++, at: this.time + delayMs + this.#lateness(), callback };
    this.#timers.push(timer);
    return timer.id;
  }

  clearTimer(handle: unknown): void {
    this.#timers = this.#timers.filter((timer) => timer.id !== handle);
  }

  get pendingTimers(): number {
    return this.#timers.length;
  }

  /** Lets promise continuations run, then fires timers in time order until `done()` or none are left. */
  async run(done: () => boolean): Promise<void> {
    for (;;) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (done() || this.#timers.length === 0) return;
      this.#timers.sort((a, b) => a.at - b.at || a.id - b.id);
      const timer = this.#timers.shift() as Timer;
      this.time = Math.max(this.time, timer.at);
      timer.callback();
    }
  }

  /** Moves time forward without firing anything (idle periods). */
  advance(ms: number): void {
    this.time += ms;
  }
}
