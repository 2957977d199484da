/** Every fault kind, scripted by path and request number, and the seeded random mix. */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Simulator, startSimulator } from '../../src/sim/index.js';
import { arr, call, obj } from './helpers.js';

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ rps: 0 });
});
afterEach(() => sim.clearFaults());
afterAll(() => sim.stop());

function status(json: unknown): unknown {
  return obj(arr(obj(json).errors)[0]).status;
}

describe('scripted faults', () => {
  it.each([500, 502, 503, 504] as const)('status %i on the nth request to a path only', async (code) => {
    sim.injectFault({ kind: 'status', status: code, path: '/v1/campaigns', nth: [2] });
    const [a, b, c] = [
      await call(sim, '/v1/campaigns'),
      await call(sim, '/v1/campaigns'),
      await call(sim, '/v1/campaigns'),
    ];
    expect([a.status, b.status, c.status]).toEqual([200, code, 200]);
    expect(status(b.json)).toBe(String(code));
    expect(sim.requestLog().at(-2)).toMatchObject({ path: '/v1/campaigns', status: code, fault: 'status' });
  });

  it('403 for one endpoint only, standard envelope', async () => {
    sim.injectFault({ kind: 'status', status: 403, path: '/v1/collections' });
    const denied = await call(sim, '/v1/collections');
    expect(denied.status).toBe(403);
    expect(status(denied.json)).toBe('403');
    expect((await call(sim, '/v1/collections')).status).toBe(403);
    expect((await call(sim, '/v1/segments')).status).toBe(200);
  });

  it('429 with Retry-After, and 429 without it (daily quota)', async () => {
    sim.injectFault({ kind: 'rate_limit', retryAfter: 7, path: '/v1/segments', count: 1 });
    sim.injectFault({ kind: 'rate_limit', retryAfter: null, path: '/v1/exports', count: 1 });
    const perSecond = await call(sim, '/v1/segments');
    expect(perSecond.status).toBe(429);
    expect(perSecond.headers.get('retry-after')).toBe('7');
    expect(status(perSecond.json)).toBe('429');
    const quota = await call(sim, '/v1/exports');
    expect(quota.status).toBe(429);
    expect(quota.headers.get('retry-after')).toBeNull();
    expect((await call(sim, '/v1/segments')).status).toBe(200); // count: 1
  });

  it('connection reset before the answer, and mid-body', async () => {
    sim.injectFault({ kind: 'reset', path: '/v1/broadcasts', count: 1 });
    await expect(call(sim, '/v1/broadcasts')).rejects.toThrow();
    sim.injectFault({ kind: 'reset', afterBytes: 20, path: '/v1/broadcasts', count: 1 });
    await expect(call(sim, '/v1/broadcasts')).rejects.toThrow();
    expect((await call(sim, '/v1/broadcasts')).status).toBe(200);
    expect(
      sim
        .requestLog()
        .slice(-3)
        .map((e) => [e.status, e.fault]),
    ).toEqual([
      [0, 'reset'],
      [200, 'reset'],
      [200, undefined],
    ]);
  });

  it('slow answers arrive at least delayMs late and intact', async () => {
    sim.injectFault({ kind: 'slow', delayMs: 300, path: '/v1/snippets', count: 1 });
    const t0 = performance.now();
    const res = await call(sim, '/v1/snippets');
    expect(performance.now() - t0).toBeGreaterThanOrEqual(295);
    expect(res.json).toEqual({ snippets: sim.truth().snippets });
  });

  it('truncated body: a prefix of the real JSON; malformed body: not JSON', async () => {
    const full = (await call(sim, '/v1/campaigns')).text;
    sim.injectFault({ kind: 'truncated', path: '/v1/campaigns', count: 1 });
    const cut = await call(sim, '/v1/campaigns');
    expect(cut.status).toBe(200);
    expect(cut.json).toBeUndefined();
    expect(cut.text.length).toBeGreaterThan(0);
    expect(full.startsWith(cut.text.replace(/\uFFFD$/, ''))).toBe(true);
    expect(cut.text.length).toBeLessThan(full.length);
    sim.injectFault({ kind: 'malformed', path: '/v1/campaigns', count: 1 });
    const bad = await call(sim, '/v1/campaigns');
    expect(bad.status).toBe(200);
    expect(() => JSON.parse(bad.text)).toThrow();
  });

  it('repeat_cursor: next echoes the start it was given', async () => {
    const first = obj((await call(sim, '/v1/messages', { query: { limit: 100 } })).json);
    const token = String(first.next);
    sim.injectFault({ kind: 'repeat_cursor', path: '/v1/messages' });
    const again = obj((await call(sim, '/v1/messages', { query: { limit: 100, start: token } })).json);
    expect(again.next).toBe(token);
    expect(arr(again.messages)).toHaveLength(100);
    const third = obj((await call(sim, '/v1/messages', { query: { limit: 100, start: token } })).json);
    expect(third.next).toBe(token);
  });

  it('empty page with a cursor, then a valid continuation', async () => {
    const page1 = obj((await call(sim, '/v1/activities', { query: { limit: 20 } })).json);
    const token = String(page1.next);
    const expected = (await call(sim, '/v1/activities', { query: { limit: 20, start: token } })).json;
    sim.injectFault({ kind: 'empty_page_with_cursor', path: '/v1/activities', count: 1 });
    const empty = obj((await call(sim, '/v1/activities', { query: { limit: 20, start: token } })).json);
    // Live, an empty page's list is null.
    expect(empty.activities).toBeNull();
    expect(typeof empty.next).toBe('string');
    expect(empty.next).not.toBe('');
    expect(empty.next).not.toBe(token);
    const resumed = await call(sim, '/v1/activities', { query: { limit: 20, start: String(empty.next) } });
    expect(resumed.json).toEqual(expected);
  });

  it('cursor faults only match cursor-paged endpoints', async () => {
    sim.injectFault({ kind: 'empty_page_with_cursor' });
    expect(obj((await call(sim, '/v1/campaigns')).json).campaigns).toEqual(sim.truth().campaigns);
    const people = obj(
      (
        await call(sim, '/v1/customers', {
          body: { filter: { attribute: { field: 'id', operator: 'exists' } } },
        })
      ).json,
    );
    expect(people.identifiers).toBeNull();
    expect(people.ids).toBeNull();
    expect(people.next).not.toBe('');
  });

  it('ignore_sort: a list asked newest first answers in its default order, with a cursor for that order', async () => {
    const ids = (res: { json: unknown }) => arr(obj(res.json).newsletters).map((n) => obj(n).id as number);
    const query = { limit: 10, sort: 'desc' };
    const desc = ids(await call(sim, '/v1/newsletters', { query }));
    expect(desc).toEqual([...desc].sort((a, b) => b - a));
    const asc = await call(sim, '/v1/newsletters', { query: { limit: 10 } });
    sim.injectFault({ kind: 'ignore_sort', path: '/v1/newsletters', count: 2 });
    const ignored = await call(sim, '/v1/newsletters', { query });
    expect(ids(ignored)).toEqual(ids(asc));
    expect(sim.requestLog().at(-1)).toMatchObject({ query: { sort: 'desc' }, fault: 'ignore_sort' });
    // Its cursor goes on in that order.
    const next = await call(sim, '/v1/newsletters', {
      query: { ...query, start: String(obj(ignored.json).next) },
    });
    expect(Math.min(...ids(next))).toBeGreaterThan(Math.max(...ids(ignored)));
  });

  it('a probability rule is seeded: two simulators fault the same requests', async () => {
    const pattern = async (): Promise<number[]> => {
      const s = await startSimulator({ rps: 0, seed: 9 });
      s.injectFault({ kind: 'status', status: 503, probability: 0.5, method: 'GET', path: /^\/v1\/seg/ });
      const out: number[] = [];
      for (let i = 0; i < 24; i++) out.push((await call(s, '/v1/segments')).status);
      await s.stop();
      return out;
    };
    const a = await pattern();
    expect(a).toEqual(await pattern());
    expect(a).toContain(503);
    expect(a).toContain(200);
  });

  it('rules can be injected over HTTP by a process that does not own the simulator', async () => {
    const add = await fetch(`${sim.url}/__sim/faults`, {
      method: 'POST',
      body: JSON.stringify({ kind: 'status', status: 502, pathRegex: '^/v1/esp/', count: 1 }),
    });
    expect(add.status).toBe(200);
    expect((await call(sim, '/v1/esp/suppression/blocks')).status).toBe(502);
    expect((await call(sim, '/v1/esp/suppression/blocks')).status).toBe(200);
    const bad = await fetch(`${sim.url}/__sim/faults`, { method: 'POST', body: '{"kind":"meteor"}' });
    expect(bad.status).toBe(400);
  });

  it('invalid rules are refused', () => {
    expect(() => sim.injectFault({ kind: 'status', status: 418 as 500 })).toThrow(/status/);
    expect(() => sim.injectFault({ kind: 'rate_limit', retryAfter: 0 })).toThrow(/retryAfter/);
  });
});

describe('random fault mix (--fault-rate)', () => {
  it('injects seeded transient faults at about the given rate and counts them', async () => {
    const s = await startSimulator({ rps: 0, seed: 3, faultRate: 0.4 });
    try {
      const results = await Promise.all(
        Array.from({ length: 40 }, () =>
          call(s, '/v1/messages', { query: { limit: 5 } }).catch(() => 'reset' as const),
        ),
      );
      const faults = s.stats().faults;
      expect(faults).toBeGreaterThan(4);
      expect(faults).toBeLessThan(30);
      const kinds = new Set(s.requestLog().flatMap((e) => (e.fault ? [e.fault] : [])));
      expect(kinds.size).toBeGreaterThan(1);
      for (const k of kinds)
        expect([
          'rate_limit',
          'status',
          'reset',
          'slow',
          'truncated',
          'malformed',
          'empty_page_with_cursor',
        ]).toContain(k);
      const ok = results.filter((r) => r !== 'reset' && r.status === 200 && r.json !== undefined);
      expect(ok.length).toBeGreaterThan(10);
    } finally {
      await s.stop();
    }
  });
});
