/**
 * The time source of the request budget. Injectable so that tests can drive the budget through
 * thousands of grants on a virtual clock (including late timers) without waiting in real time.
 */
export interface Clock {
  /** Milliseconds on a monotonic scale (only differences matter). */
  now(): number;
  setTimer(callback: () => void, delayMs: number): unknown;
  clearTimer(handle: unknown): void;
}

/** Monotonic: a wall-clock jump (NTP, DST) must not release or stall the budget. */
export const systemClock: Clock = {
  now: () => performance.now(),
  setTimer: (callback, delayMs) => setTimeout(callback, delayMs),
  clearTimer: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};
