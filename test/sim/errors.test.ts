/** Auth, rate limit, validation errors, clamps and unknown routes. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Simulator, startSimulator } from '../../src/sim/index.js';
import { arr, call, obj } from './helpers.js';

const EVERYONE = { filter: { and: [{ attribute: { field: 'cio_id', operator: 'exists' } }] } };

function firstError(json: unknown): Record<string, unknown> {
  return obj(arr(obj(json).errors)[0]);
}

describe('auth', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ rps: 0, token: 'the-real-token' });
  });
  afterAll(() => sim.stop());

  it.each([
    ['missing', null],
    ['wrong', 'not-the-token'],
  ] as const)('%s token -> 401 with the standard envelope, token never echoed', async (_what, token) => {
    for (const path of ['/v1/campaigns', '/v1/messages', '/v1/esp/suppression/bounces']) {
      const res = await call(sim, path, { token });
      expect(res.status).toBe(401);
      const body = obj(res.json);
      expect(Object.keys(body)).toEqual(['errors']);
      const error = firstError(body);
      expect(error.status).toBe('401');
      expect(error.code).toBe('invalid_credentials');
      expect(String(error.detail)).toMatch(
        /^Unauthorized request\. Make sure that you provided the right credentials\. \(reference [0-9a-f]{6}\)$/,
      );
      expect(res.text).not.toContain('the-real-token');
      if (token) expect(res.text).not.toContain(token);
    }
    const post = await call(sim, '/v1/customers', { token, body: EVERYONE });
    expect(post.status).toBe(401);
  });

  it('ip_addresses need no token (and ignore a wrong one)', async () => {
    for (const token of [null, 'whatever']) {
      const res = await call(sim, '/v1/info/ip_addresses', { token });
      expect(res.status).toBe(200);
      expect(arr(obj(res.json).ip_addresses).length).toBeGreaterThan(0);
    }
  });

  it('the right token works', async () => {
    expect((await call(sim, '/v1/campaigns')).status).toBe(200);
  });
});

describe('rate limit', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ rps: 10 });
  });
  afterAll(() => sim.stop());

  it('a burst of 30 gets some 429s with Retry-After and the exact vendor body', async () => {
    const results = await Promise.all(Array.from({ length: 30 }, () => call(sim, '/v1/segments')));
    const limited = results.filter((r) => r.status === 429);
    const ok = results.filter((r) => r.status === 200);
    expect(ok.length).toBeGreaterThanOrEqual(10);
    expect(limited.length).toBeGreaterThan(0);
    expect(limited.length + ok.length).toBe(30);
    for (const r of limited) {
      expect(r.headers.get('retry-after')).toBe('1');
      expect(r.text).toBe(
        '{"errors":[{"detail":"rate limited to 10 requests per 1s (reference a1b2c3)","status":"429"}]}',
      );
    }
    expect(sim.stats().rateLimited).toBe(limited.length);
  });

  it('the limit is per token, configurable, and 0 means unlimited', async () => {
    sim.setRateLimit(3);
    const burst = await Promise.all(Array.from({ length: 6 }, () => call(sim, '/v1/segments')));
    const limited = burst.filter((r) => r.status === 429);
    expect(limited.length).toBeGreaterThan(0);
    expect(limited[0]!.text).toContain('rate limited to 3 requests per 1s');
    // The token's budget is spent; an anonymous caller of the public route has its own.
    expect((await call(sim, '/v1/info/ip_addresses', { token: null })).status).toBe(200);
    sim.setRateLimit(0);
    const free = await Promise.all(Array.from({ length: 40 }, () => call(sim, '/v1/segments')));
    expect(free.every((r) => r.status === 200)).toBe(true);
  });
});

describe('validation and routing', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ rps: 0 });
  });
  afterAll(() => sim.stop());

  it('over-max limits are clamped', async () => {
    const messages = obj((await call(sim, '/v1/messages', { query: { limit: 5000 } })).json);
    expect(arr(messages.messages)).toHaveLength(1000);
    const people = obj((await call(sim, '/v1/customers', { query: { limit: 99999 }, body: EVERYONE })).json);
    expect(arr(people.identifiers).length).toBeLessThanOrEqual(1000);
    expect(arr(people.identifiers).length).toBeGreaterThan(500);
    const bounces = obj((await call(sim, '/v1/esp/suppression/bounces', { query: { limit: 5000 } })).json);
    expect(arr(bounces.suppressions)).toHaveLength(1000);
  });

  it('attributes: 1..100 ids, else 400; unknown ids are left out', async () => {
    const ids = Array.from({ length: 101 }, (_, i) => String(1000 + i));
    const tooMany = await call(sim, '/v1/customers/attributes', { body: { ids } });
    expect(tooMany.status).toBe(400);
    expect(firstError(tooMany.json).status).toBe('400');
    expect((await call(sim, '/v1/customers/attributes', { body: { ids: [] } })).status).toBe(400);
    expect((await call(sim, '/v1/customers/attributes', { body: { ids: [1000] } })).status).toBe(400);
    const some = await call(sim, '/v1/customers/attributes', { body: { ids: ['1000', 'nobody', '1001'] } });
    expect(some.status).toBe(200);
    const customers = arr(obj(some.json).customers).map(obj);
    expect(customers.map((c) => c.id)).toEqual(['1000', '1001']);
  });

  it('attributes by email and cio_id (query or body id_type); live, a cio_ prefix finds nobody', async () => {
    const person = (await call(sim, '/v1/customers/attributes', { body: { ids: ['1000'] } })).json;
    const customer = obj(arr(obj(person).customers)[0]);
    const identifiers = obj(customer.identifiers);
    const byEmail = await call(sim, '/v1/customers/attributes', {
      query: { id_type: 'email' },
      body: { ids: [identifiers.email] },
    });
    expect(byEmail.json).toEqual(person);
    const byCio = await call(sim, '/v1/customers/attributes', {
      body: { ids: [String(identifiers.cio_id)], id_type: 'cio_id' },
    });
    expect(byCio.json).toEqual(person);
    const prefixed = await call(sim, '/v1/customers/attributes', {
      body: { ids: [`cio_${String(identifiers.cio_id)}`], id_type: 'cio_id' },
    });
    expect(prefixed.json).toEqual({ customers: null });
    expect(
      (await call(sim, '/v1/customers/attributes', { query: { id_type: 'phone' }, body: { ids: ['1'] } }))
        .status,
    ).toBe(400);
  });

  it('malformed bodies and filters are 400 with the standard envelope', async () => {
    const cases = [
      call(sim, '/v1/customers', { rawBody: '{"filter": ' }),
      call(sim, '/v1/customers', { body: { nofilter: true } }),
      call(sim, '/v1/customers', { body: { filter: 'everyone' } }),
      call(sim, '/v1/customers', { body: { filter: { and: {} } } }),
      call(sim, '/v1/customers', { body: EVERYONE, contentType: 'text/plain' }),
      call(sim, '/v1/customers/attributes', { rawBody: '[1,2' }),
    ];
    for (const res of await Promise.all(cases)) {
      expect(res.status).toBe(400);
      expect(firstError(res.json).status).toBe('400');
      expect(String(firstError(res.json).detail)).toMatch(/\(reference [0-9a-f]{6}\)$/);
    }
  });

  it('garbage or foreign cursors are 400; bad limits are 400; unknown params are ignored', async () => {
    expect((await call(sim, '/v1/messages', { query: { start: 'not-a-token' } })).status).toBe(400);
    expect((await call(sim, '/v1/messages', { query: { start: 'AAAAAAAAAAAAAAAA' } })).status).toBe(400);
    const activityNext = String(obj((await call(sim, '/v1/activities')).json).next);
    expect((await call(sim, '/v1/messages', { query: { start: activityNext } })).status).toBe(400);
    expect((await call(sim, '/v1/messages', { query: { limit: 'ten' } })).status).toBe(400);
    expect((await call(sim, '/v1/messages', { query: { type: 'pigeon' } })).status).toBe(400);
    const ignored = await call(sim, '/v1/messages', { query: { limit: 3, updated_since: 5, page: 1000 } });
    expect(ignored.status).toBe(200);
    expect(arr(obj(ignored.json).messages)).toHaveLength(3);
  });

  it('messages honour start_ts/end_ts inclusively, and type/metric filters', async () => {
    const all = arr(obj((await call(sim, '/v1/messages', { query: { limit: 1000 } })).json).messages).map(
      obj,
    );
    const t = all[100]!.created as number;
    const exact = await call(sim, '/v1/messages', { query: { start_ts: t, end_ts: t, limit: 1000 } });
    const rows = arr(obj(exact.json).messages).map(obj);
    expect(rows.length).toBeGreaterThan(1);
    expect(rows.every((m) => m.created === t)).toBe(true);
    expect(rows.length).toBe(all.filter((m) => m.created === t).length);
    const push = arr(
      obj((await call(sim, '/v1/messages', { query: { type: 'push', limit: 50 } })).json).messages,
    );
    expect(push.length).toBeGreaterThan(0);
    expect(push.every((m) => obj(m).type === 'push')).toBe(true);
    const opened = arr(
      obj((await call(sim, '/v1/messages', { query: { metric: 'opened', limit: 50 } })).json).messages,
    );
    expect(opened.length).toBeGreaterThan(0);
    expect(opened.every((m) => 'opened' in obj(obj(m).metrics))).toBe(true);
  });

  it('unknown routes are 404 with a clear body and are recorded', async () => {
    const before = sim.unknownRoutes().length;
    const res = await call(sim, '/v1/transactional_messages');
    expect(res.status).toBe(404);
    expect(String(firstError(res.json).detail)).toContain('No such route: GET /v1/transactional_messages');
    expect((await call(sim, '/v1/customers')).status).toBe(404); // GET on a POST route
    expect((await call(sim, '/v1/esp/suppression/spam')).status).toBe(404);
    expect((await call(sim, '/v1/campaigns/')).status).toBe(404);
    expect(sim.unknownRoutes().slice(before)).toEqual([
      'GET /v1/transactional_messages',
      'GET /v1/customers',
      'GET /v1/esp/suppression/spam',
      'GET /v1/campaigns/',
    ]);
  });

  it('the request log and counters see every request', async () => {
    const n = sim.stats().requests;
    await call(sim, '/v1/messages', { query: { limit: 2 } });
    await call(sim, '/v1/nope');
    const log = sim.requestLog().slice(-2);
    expect(log).toEqual([
      { method: 'GET', path: '/v1/messages', query: { limit: '2' }, status: 200 },
      { method: 'GET', path: '/v1/nope', query: {}, status: 404 },
    ]);
    expect(sim.stats().requests).toBe(n + 2);
  });
});

describe('latency', () => {
  it('latencyMs delays every answer, errors included', async () => {
    const sim = await startSimulator({ rps: 0, latencyMs: 150 });
    try {
      for (const token of [undefined, null]) {
        const t0 = performance.now();
        await call(sim, '/v1/segments', { token });
        expect(performance.now() - t0).toBeGreaterThanOrEqual(145);
      }
    } finally {
      await sim.stop();
    }
  });
});
