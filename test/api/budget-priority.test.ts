import { describe, expect, it } from 'vitest';
import { RequestBudget } from '../../src/api/budget.js';
import type { Release } from '../../src/api/semaphore.js';
import { VirtualClock } from './helpers/virtual-clock.js';

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Starts `count` requests for `key` and records the order in which they are granted. */
function queue(budget: RequestBudget, key: string, count: number, order: string[], held: Release[]) {
  return Array.from({ length: count }, (_, i) =>
    budget.start({ key }).then((release) => {
      order.push(`${key}${i}`);
      held.push(release);
    }),
  );
}

describe('RequestBudget.start: who goes first when the rate is the limit', () => {
  it('a sequential chain overtakes a queued fan-out of another key', async () => {
    const clock = new VirtualClock();
    const budget = new RequestBudget({ ratePerSecond: 10, concurrency: 8, clock });
    const order: string[] = [];
    const held: Release[] = [];
    const fanOut = queue(budget, 'customers', 6, order, held);
    await settle();
    // The chain asks after the fan-out queued; with one outstanding request it still goes next.
    const chain = queue(budget, 'activities', 1, order, held);
    await clock.run(() => order.length >= 7);
    await Promise.all([...fanOut, ...chain]);
    expect(order.slice(0, 3)).toEqual(['customers0', 'activities0', 'customers1']);
  });

  it('keys with equal load are served in arrival order', async () => {
    const clock = new VirtualClock();
    const budget = new RequestBudget({ ratePerSecond: 10, concurrency: 8, clock });
    const order: string[] = [];
    const held: Release[] = [];
    const all = ['a', 'b', 'c'].flatMap((key) => queue(budget, key, 1, order, held));
    await clock.run(() => order.length >= 3);
    await Promise.all(all);
    expect(order).toEqual(['a0', 'b0', 'c0']);
  });

  it('never holds more than `concurrency` in flight, and a waiter holds no slot while it waits', async () => {
    const clock = new VirtualClock();
    const budget = new RequestBudget({ ratePerSecond: 1000, concurrency: 2, clock });
    const order: string[] = [];
    const held: Release[] = [];
    const waiting = queue(budget, 'x', 5, order, held);
    await clock.run(() => order.length >= 2);
    await settle();
    expect(order).toEqual(['x0', 'x1']);
    // A chain arriving now waits for a slot like everyone, then goes before the queued fan-out.
    const chain = queue(budget, 'y', 1, order, held);
    held.shift()?.();
    await clock.run(() => order.length >= 3);
    expect(order[2]).toBe('y0');
    // Granted and not yet released: never more than the two slots.
    expect(held).toHaveLength(2);
    while (order.length < 6) {
      held.shift()?.();
      await clock.run(() => order.length >= 6 || held.length === 2);
      expect(held.length).toBeLessThanOrEqual(2);
    }
    await Promise.all([...waiting, ...chain]);
  });

  it('keeps the rate: priorities reorder starts but never add any', async () => {
    const clock = new VirtualClock(() => 3);
    const budget = new RequestBudget({ ratePerSecond: 10, concurrency: 8, clock });
    const grants: number[] = [];
    const worker = async (key: string, count: number) => {
      for (let i = 0; i < count; i++) {
        const release = await budget.start({ key });
        grants.push(clock.now());
        release();
      }
    };
    const all = Promise.all([worker('chain', 30), ...Array.from({ length: 6 }, () => worker('fan', 10))]);
    await clock.run(() => grants.length >= 90);
    await all;
    grants.sort((a, b) => a - b);
    for (let i = 10; i < grants.length; i++) {
      expect((grants[i] as number) - (grants[i - 10] as number)).toBeGreaterThanOrEqual(1000);
    }
    const span = (grants[grants.length - 1] as number) - (grants[0] as number);
    expect(((grants.length - 1) * 1000) / span).toBeGreaterThanOrEqual(9.7);
  });

  it('an aborted start leaves the queue and frees no slot it never had', async () => {
    const clock = new VirtualClock();
    const budget = new RequestBudget({ ratePerSecond: 10, concurrency: 1, clock });
    const first = await budget.start({ key: 'a' });
    const controller = new AbortController();
    const aborted = budget.start({ key: 'a', signal: controller.signal });
    const kept = budget.start({ key: 'b' });
    controller.abort(new Error('stop'));
    await expect(aborted).rejects.toThrow('stop');
    first();
    let keptAt: number | undefined;
    void kept.then(() => {
      keptAt = clock.now();
    });
    await clock.run(() => keptAt !== undefined);
    (await kept)();
    // The aborted start took no grant: the next one comes a single interval after the kept one.
    const next = budget.start({ key: 'c' });
    let nextAt: number | undefined;
    void next.then(() => {
      nextAt = clock.now();
    });
    await clock.run(() => nextAt !== undefined);
    (await next)();
    expect((nextAt as number) - (keptAt as number)).toBeLessThan(150);
  });
});
