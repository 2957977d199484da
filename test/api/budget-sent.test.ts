import { describe, expect, it } from 'vitest';
import { type Grant, RequestBudget } from '../../src/api/budget.js';
import { VirtualClock } from './helpers/virtual-clock.js';

/**
 * Eleven starts at 10/s, each released at once; the first is reported sent `sendDelayMs` after its
 * grant (never, when undefined). Returns the grant times and the first one's send time.
 */
async function elevenStarts(
  sendDelayMs: number | undefined,
  freshConnection = false,
): Promise<{ grants: number[]; sentAt: number }> {
  const clock = new VirtualClock();
  const budget = new RequestBudget({ ratePerSecond: 10, clock });
  const grants: number[] = [];
  let sentAt = Number.NaN;
  const first: Grant = await budget.start();
  grants.push(clock.now());
  if (sendDelayMs !== undefined) {
    clock.setTimer(() => {
      sentAt = clock.now();
      first.sent(freshConnection);
      first();
    }, sendDelayMs);
  } else {
    first();
  }
  const rest = (async () => {
    for (let i = 0; i < 10; i++) {
      const grant = await budget.start();
      grants.push(clock.now());
      grant.sent();
      grant();
    }
  })();
  await clock.run(() => grants.length >= 11);
  await rest;
  return { grants, sentAt };
}

describe('RequestBudget counts a request from when it was sent', () => {
  it('a start sent late holds the eleventh start back a window after its send, not its grant', async () => {
    const late = await elevenStarts(80);
    expect(late.sentAt).toBe(80);
    // Ten spacings after the grant would be 1,015 ms; the late send moves the guard to 80 + 1,015.
    expect(late.grants[10]).toBeGreaterThanOrEqual(late.sentAt + 1000);
    const onTime = await elevenStarts(undefined);
    expect(onTime.grants[10]).toBeLessThan(1080);
  });

  it('the first request on a new connection counts 100 ms later still: the server accepts it first', async () => {
    const fresh = await elevenStarts(0, true);
    expect(fresh.grants[10]).toBeGreaterThanOrEqual(1100);
    const warm = await elevenStarts(0, false);
    expect(warm.grants[10]).toBeLessThan(1050);
  });

  it('the starts in between keep their spacing: only the window of the late one moves', async () => {
    const { grants } = await elevenStarts(80);
    const gaps = grants.slice(1, 10).map((at, i) => at - (grants[i] as number));
    for (const gap of gaps) expect(gap).toBeLessThan(110);
  });

  it('a send reported after the release, or twice, changes nothing', async () => {
    const clock = new VirtualClock();
    const budget = new RequestBudget({ ratePerSecond: 1, clock });
    const grant = await budget.start();
    grant();
    clock.advance(500);
    grant.sent();
    const next = budget.start();
    await clock.run(() => false);
    (await next)();
    // Counted from its grant at 0: the next may start 1,015 ms later, not 1,515.
    expect(clock.now()).toBeLessThan(1100);
  });
});
