import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RequestBudget } from '../../src/api/budget.js';
import { Semaphore } from '../../src/api/semaphore.js';
import { VirtualClock } from './helpers/virtual-clock.js';

/** Waits for one start and ends it at once: only the rate limits such callers, never the slots. */
async function acquire(budget: RequestBudget, signal?: AbortSignal): Promise<void> {
  (await budget.start({ signal }))();
}

/** `workers` callers that each acquire in a loop until `total` grants in all; returns the grant times. */
async function demand(
  budget: RequestBudget,
  clock: VirtualClock,
  total: number,
  workers = 8,
): Promise<number[]> {
  const grants: number[] = [];
  let issued = 0;
  const worker = async (): Promise<void> => {
    while (issued < total) {
      issued++;
      await acquire(budget);
      grants.push(clock.now());
    }
  };
  const all = Promise.all(Array.from({ length: workers }, worker));
  await clock.run(() => grants.length >= total);
  await all;
  return grants;
}

/** Most grants in any window of `windowMs` (half-open). */
function busiestWindow(grants: number[], windowMs: number): number {
  let most = 0;
  let start = 0;
  for (let end = 0; end < grants.length; end++) {
    while ((grants[end] as number) - (grants[start] as number) >= windowMs) start++;
    most = Math.max(most, end - start + 1);
  }
  return most;
}

function achievedRate(grants: number[]): number {
  const span = (grants[grants.length - 1] as number) - (grants[0] as number);
  return ((grants.length - 1) * 1000) / span;
}

describe('RequestBudget rate (virtual clock)', () => {
  it('spreads starts evenly: one interval apart, never a burst, ~98.5 % of the rate', async () => {
    const clock = new VirtualClock();
    const budget = new RequestBudget({ ratePerSecond: 10, clock });
    const grants = await demand(budget, clock, 200);
    const gaps = grants.slice(1).map((at, i) => at - (grants[i] as number));
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(101);
    expect(busiestWindow(grants, 1000)).toBe(10);
    expect(achievedRate(grants)).toBeGreaterThanOrEqual(9.7);
  });

  it('holds >= 97 % of the rate and <= rate per second however late the timers fire', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(1, 2, 5, 10, 25, 100, 400),
        fc.integer({ min: 0, max: 2 ** 31 }),
        fc.constantFrom(0, 1, 3, 8, 40, 150),
        async (rate, seed, maxLateMs) => {
          let state = seed;
          const random = (): number => {
            state = (state * 1103515245 + 12345) % 2 ** 31;
            return state / 2 ** 31;
          };
          const clock = new VirtualClock(() => random() * maxLateMs);
          const budget = new RequestBudget({ ratePerSecond: rate, clock });
          const grants = await demand(budget, clock, Math.max(40, rate * 4));
          expect(busiestWindow(grants, 1000)).toBeLessThanOrEqual(rate);
          // Timers a few ms late (the normal case) must not cost the rate; long stalls may, but never the limit.
          if (maxLateMs <= 8) expect(achievedRate(grants)).toBeGreaterThanOrEqual(rate * 0.97);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('keeps a fractional rate', async () => {
    const clock = new VirtualClock(() => 1);
    const budget = new RequestBudget({ ratePerSecond: 2.5, clock });
    const grants = await demand(budget, clock, 60, 3);
    expect(achievedRate(grants)).toBeGreaterThanOrEqual(2.5 * 0.97);
    expect(achievedRate(grants)).toBeLessThanOrEqual(2.5);
    expect(busiestWindow(grants, 1000)).toBeLessThanOrEqual(3);
  });

  it('banks no burst while idle: after a quiet minute the second request still waits one interval', async () => {
    const clock = new VirtualClock();
    const budget = new RequestBudget({ ratePerSecond: 10, clock });
    await demand(budget, clock, 5);
    clock.advance(60_000);
    const idleEnd = clock.now();
    const grants = await demand(budget, clock, 3);
    expect(grants[0]).toBe(idleEnd);
    expect((grants[1] as number) - idleEnd).toBeGreaterThanOrEqual(101);
  });

  it('penalize pauses every waiter, then resumes at the normal spacing', async () => {
    const clock = new VirtualClock();
    const budget = new RequestBudget({ ratePerSecond: 10, clock });
    await demand(budget, clock, 3);
    const penalizedAt = clock.now();
    budget.penalize(2);
    const grants = await demand(budget, clock, 6, 4);
    expect(grants[0]).toBeGreaterThanOrEqual(penalizedAt + 2000);
    expect((grants[1] as number) - (grants[0] as number)).toBeGreaterThanOrEqual(101);
  });

  it('a 429 widens the spacing 5 % (once for a crowded second), which narrows back over clean starts', async () => {
    const clock = new VirtualClock();
    const budget = new RequestBudget({ ratePerSecond: 10, clock });
    const nominal = budget.intervalMs;
    // Three requests of one crowded second are refused: the spacing widens once.
    budget.penalize(1);
    budget.penalize(1);
    budget.penalize(1);
    const widened = budget.intervalMs;
    expect(widened).toBeCloseTo(nominal + 5, 1);
    const grants = await demand(budget, clock, 11);
    expect(busiestWindow(grants, 10 * widened - 20)).toBeLessThanOrEqual(10);
    // Another 429 a second later widens it again, up to a cap.
    for (let i = 0; i < 30; i++) {
      clock.advance(1000);
      budget.penalize(0);
    }
    expect(budget.intervalMs).toBeCloseTo(nominal + 50, 1);
    // 250 clean starts per step bring it back to the configured spacing.
    await demand(budget, clock, 2600);
    expect(budget.intervalMs).toBeCloseTo(nominal, 6);
  });

  it('a later, shorter penalty does not shorten a longer one', async () => {
    const clock = new VirtualClock();
    const budget = new RequestBudget({ ratePerSecond: 10, clock });
    budget.penalize(3);
    budget.penalize(1);
    const [first] = await demand(budget, clock, 1);
    expect(first).toBe(3000);
  });
});

describe('RequestBudget rate (real time)', () => {
  it('20 acquisitions at 50/s take at least 0.3 s', async () => {
    const budget = new RequestBudget({ ratePerSecond: 50 });
    const started = performance.now();
    await Promise.all(Array.from({ length: 20 }, () => acquire(budget)));
    expect(performance.now() - started).toBeGreaterThanOrEqual(300);
  });

  it('a penalty pauses everyone, including callers already queued', async () => {
    const budget = new RequestBudget({ ratePerSecond: 100 });
    await acquire(budget);
    const started = performance.now();
    const queued = [acquire(budget), acquire(budget)];
    budget.penalize(0.3);
    const late = acquire(budget);
    const times = await Promise.all([...queued, late].map((p) => p.then(() => performance.now() - started)));
    for (const elapsed of times) expect(elapsed).toBeGreaterThanOrEqual(280);
  });

  it('an aborted waiter leaves the queue and the others are still served', async () => {
    const budget = new RequestBudget({ ratePerSecond: 20 });
    await acquire(budget);
    const controller = new AbortController();
    const reason = new Error('stop');
    const aborted = acquire(budget, controller.signal);
    const kept = acquire(budget);
    controller.abort(reason);
    await expect(aborted).rejects.toBe(reason);
    await expect(kept).resolves.toBeUndefined();
    await expect(acquire(budget, AbortSignal.abort())).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('rejects a nonsensical rate', () => {
    expect(() => new RequestBudget({ ratePerSecond: 0 })).toThrow(RangeError);
    expect(() => new RequestBudget({ ratePerSecond: Number.NaN })).toThrow(RangeError);
  });
});

describe('concurrency cap', () => {
  it('never hands out more than `concurrency` slots; a release lets the next waiter in, in order', async () => {
    // A rate this high never holds a start back: only the slots do.
    const budget = new RequestBudget({ concurrency: 2, ratePerSecond: 1e6 });
    const first = await budget.start();
    const second = await budget.start();
    const order: string[] = [];
    const third = budget.start().then((release) => {
      order.push('third');
      return release;
    });
    const fourth = budget.start().then((release) => {
      order.push('fourth');
      return release;
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(order).toEqual([]);
    first();
    first(); // a second call must not free a second slot
    await third;
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(order).toEqual(['third']);
    second();
    (await fourth)();
    (await third)();
    // Every slot is free again: two more start at once.
    await Promise.all([budget.start(), budget.start()]);
  });

  it('an aborted slot waiter does not take a slot', async () => {
    const semaphore = new Semaphore(1);
    const held = await semaphore.acquire();
    const controller = new AbortController();
    const waiting = semaphore.acquire(controller.signal);
    controller.abort();
    await expect(waiting).rejects.toMatchObject({ name: 'AbortError' });
    held();
    expect(semaphore.held).toBe(0);
    const again = await semaphore.acquire();
    expect(semaphore.held).toBe(1);
    again();
  });
});
