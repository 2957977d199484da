import { waitUnlessAborted } from './abort.js';

/** Gives back a slot; calling it twice is harmless. */
export type Release = () => void;

/** A FIFO counting semaphore: at most `limit` holders at once. */
export class Semaphore {
  readonly limit: number;
  #held = 0;
  readonly #waiters: Array<(release: Release) => void> = [];

  constructor(limit: number) {
    if (!Number.isInteger(limit) || limit < 1)
      throw new RangeError(`semaphore limit must be a positive integer, got ${limit}`);
    this.limit = limit;
  }

  /** Slots currently held. */
  get held(): number {
    return this.#held;
  }

  acquire(signal?: AbortSignal): Promise<Release> {
    let waiter: ((release: Release) => void) | undefined;
    return waitUnlessAborted<Release>(
      signal,
      (resolve) => {
        if (this.#held < this.limit) {
          this.#held++;
          resolve(this.#releaser());
          return;
        }
        waiter = resolve;
        this.#waiters.push(resolve);
      },
      () => {
        const index = waiter === undefined ? -1 : this.#waiters.indexOf(waiter);
        if (index >= 0) this.#waiters.splice(index, 1);
      },
    );
  }

  #releaser(): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#waiters.shift();
      // Hand the slot straight to the next waiter so a newcomer cannot overtake the queue.
      if (next) next(this.#releaser());
      else this.#held--;
    };
  }
}
