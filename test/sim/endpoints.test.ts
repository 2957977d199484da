/**
 * Every endpoint, walked to the end over loopback HTTP, serves exactly the ground truth (in the
 * default, live shapes; live-vs-spec differences are in live-shapes.test.ts).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GroundTruth, type Simulator, SUPPRESSION_TYPES, startSimulator } from '../../src/sim/index.js';
import { CATALOG, CATALOG_NAMES } from '../../src/sim/world/catalog-tables.js';
import { allCustomers, arr, call, list, obj, walkCursor, walkOffset } from './helpers.js';

let sim: Simulator;
let truth: GroundTruth;

beforeAll(async () => {
  sim = await startSimulator({ rps: 0 });
  truth = sim.truth();
});
afterAll(async () => {
  expect(sim.unknownRoutes()).toEqual([]);
  await sim.stop();
});

/** Every list of the catalog answered in one go, and the IP allow-list: [path, records key, truth key]. */
const unpaged: [string, string, string][] = [
  ...CATALOG_NAMES.flatMap((name): [string, string, string][] => {
    const spec = CATALOG[name];
    return spec.paging === undefined ? [[spec.path, spec.recordsKey ?? name, name]] : [];
  }),
  ['/v1/info/ip_addresses', 'ip_addresses', 'ip_addresses'],
];

describe('unpaged lists', () => {
  it.each(unpaged)('%s returns every record under %s, nothing else', async (path, key, truthKey) => {
    const res = await call(sim, path, { query: { limit: 1000, updated_since: 1 } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const body = obj(res.json);
    expect(Object.keys(body)).toEqual([key]);
    expect(body[key]).toEqual(truth[truthKey as keyof GroundTruth]);
    expect(arr(body[key]).length).toBeGreaterThan(0);
  });
});

describe('cursor-paged lists', () => {
  it.each(CATALOG_NAMES.filter((name) => CATALOG[name].paging !== undefined))(
    '%s: walked at the largest page size, serves its truth, every page within the limit',
    async (name) => {
      const spec = CATALOG[name];
      const maxLimit = spec.paging?.maxLimit ?? 0;
      const walk = await walkCursor(sim, spec.path, spec.recordsKey ?? name, {
        query: { limit: maxLimit + 1 },
      });
      // A list that hides some records (sender identities) lists the visible ones by default.
      expect(walk.records).toEqual(truth[name].filter((r) => r.hidden !== true));
      expect(walk.pages.every((page) => list(page[spec.recordsKey ?? name]).length <= maxLimit)).toBe(true);
    },
  );

  it('messages: every page size walks to the same records, newest first, no duplicates', async () => {
    const big = await walkCursor(sim, '/v1/messages', 'messages', { query: { limit: 1000 } });
    expect(big.records).toEqual(truth.messages);
    expect(big.pages).toHaveLength(3);
    const small = await walkCursor(sim, '/v1/messages', 'messages');
    expect(small.pages.every((p, i, all) => arr(p.messages).length === 50 || i === all.length - 1)).toBe(
      true,
    );
    expect(small.records).toEqual(truth.messages);
    const ids = small.records.map((m) => obj(m).id);
    expect(new Set(ids).size).toBe(ids.length);
    const created = small.records.map((m) => obj(m).created as number);
    expect(created).toEqual([...created].sort((a, b) => b - a));
    expect(truth.messages.length).toBeGreaterThanOrEqual(2000);
  });

  it('activities: default 10 per page, limit clamped to 100', async () => {
    const first = obj((await call(sim, '/v1/activities')).json);
    expect(Object.keys(first).sort()).toEqual(['activities', 'next']);
    expect(arr(first.activities)).toHaveLength(10);
    const walk = await walkCursor(sim, '/v1/activities', 'activities', { query: { limit: 5000 } });
    expect(walk.pages.slice(0, -1).every((p) => arr(p.activities).length === 100)).toBe(true);
    expect(walk.records).toEqual(truth.activities);
    const ts = walk.records.map((a) => obj(a).timestamp as number);
    expect(ts).toEqual([...ts].sort((a, b) => b - a));
  });

  it('newsletters page with any limit, both sort orders', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 130 }),
        fc.constantFrom('asc', 'desc'),
        async (limit, sort) => {
          const walk = await walkCursor(sim, '/v1/newsletters', 'newsletters', { query: { limit, sort } });
          const expected = sort === 'asc' ? truth.newsletters : [...truth.newsletters].reverse();
          expect(walk.records).toEqual(expected);
          expect(arr(walk.pages.at(-1)?.newsletters).length).toBeGreaterThan(0);
        },
      ),
      { numRuns: 15, seed: 42 },
    );
  });

  it('sender identities end with one trailing empty page', async () => {
    const walk = await walkCursor(sim, '/v1/sender_identities', 'sender_identities', {
      query: { limit: 1000 },
    });
    expect(walk.pages).toHaveLength(2);
    expect(walk.pages[1]).toEqual({ sender_identities: null, next: '' });
    expect(walk.records).toEqual(truth.sender_identities.filter((r) => r.hidden === false));
    const hidden = await walkCursor(sim, '/v1/sender_identities', 'sender_identities', {
      query: { hidden: true },
    });
    expect(hidden.records).toEqual(truth.sender_identities.filter((r) => r.hidden === true));
    expect(hidden.records.length).toBeGreaterThan(0);
    expect(hidden.pages.at(-1)).toEqual({ sender_identities: null, next: '' });
  });

  it('customers: search + attributes yields every person, including those without id or email', async () => {
    const people = await allCustomers(sim);
    expect(people).toEqual(truth.customers);
    expect(people.length).toBeGreaterThanOrEqual(500);
    const identifiers = people.map((p) => obj(obj(p).identifiers));
    expect(identifiers.some((i) => i.id === null && typeof i.email === 'string')).toBe(true);
    expect(identifiers.some((i) => i.id === null && i.email === null)).toBe(true);
  });

  it('customers search: ids mirror identifiers, "" for people without id; default page 50', async () => {
    const filter = { and: [{ attribute: { field: 'cio_id', operator: 'exists' } }] };
    const page = obj((await call(sim, '/v1/customers', { body: { filter } })).json);
    expect(Object.keys(page).sort()).toEqual(['identifiers', 'ids', 'next']);
    const identifiers = arr(page.identifiers).map(obj);
    expect(identifiers).toHaveLength(50);
    expect(page.ids).toEqual(identifiers.map((i) => i.id ?? ''));
    expect(Object.keys(identifiers[0]!)).toEqual(['cio_id', 'email', 'id']);
  });

  it('customers search honours exists on id and email', async () => {
    const byId = await walkCursor(sim, '/v1/customers', 'identifiers', {
      body: { filter: { and: [{ attribute: { field: 'id', operator: 'exists' } }] } },
      query: { limit: 1000 },
    });
    const withId = truth.customers.filter((c) => c.id !== null);
    expect(byId.records.map((r) => obj(r).cio_id)).toEqual(withId.map((c) => obj(c.identifiers).cio_id));
    const byEmail = await walkCursor(sim, '/v1/customers', 'identifiers', {
      body: { filter: { attribute: { field: 'email', operator: 'exists' } } },
      query: { limit: 1000 },
    });
    expect(byEmail.records.length).toBe(
      truth.customers.filter((c) => obj(c.identifiers).email !== null).length,
    );
    expect(byEmail.records.length).toBeLessThan(truth.customers.length);
    const other = await walkCursor(sim, '/v1/customers', 'identifiers', {
      body: { filter: { segment: { id: 7 } } },
      query: { limit: 1000 },
    });
    expect(other.records).toHaveLength(truth.customers.length);
  });
});

describe('ESP suppressions (limit/offset, no next)', () => {
  it.each(SUPPRESSION_TYPES)('%s walks to the truth with the default and the max page size', async (type) => {
    const path = `/v1/esp/suppression/${type}`;
    const small = await walkOffset(sim, path);
    expect(small.records).toEqual(truth.suppressions[type]);
    const big = await walkOffset(sim, path, 1000);
    expect(big.records).toEqual(truth.suppressions[type]);
    for (const page of [...small.pages, ...big.pages]) {
      // Live, the page past the end is `{"suppressions": null}` alone.
      const keys = page.suppressions === null ? ['suppressions'] : ['category', 'suppressions'];
      expect(Object.keys(page).sort()).toEqual(keys);
    }
  });

  it('bounces hold an exact multiple of 1000 rows, so the walk ends on suppressions: null', async () => {
    expect(truth.suppressions.bounces.length % 1000).toBe(0);
    const walk = await walkOffset(sim, '/v1/esp/suppression/bounces', 1000);
    expect(walk.pages.at(-1)).toEqual({ suppressions: null });
    const total = SUPPRESSION_TYPES.reduce((n, t) => n + truth.suppressions[t].length, 0);
    expect(total).toBeGreaterThanOrEqual(1100);
  });

  it('an offset past the end answers suppressions: null', async () => {
    const res = await call(sim, '/v1/esp/suppression/spam_reports', { query: { offset: 100_000 } });
    expect(res.json).toEqual({ suppressions: null });
  });
});

describe('single items', () => {
  it.each([
    ['/v1/campaigns', 'campaigns', 'campaign'],
    ['/v1/broadcasts', 'broadcasts', 'broadcast'],
    ['/v1/newsletters', 'newsletters', 'newsletter'],
    ['/v1/segments', 'segments', 'segment'],
    ['/v1/exports', 'exports', 'export'],
    ['/v1/transactional', 'transactional', 'message'],
  ] as const)('%s/{id} wraps the record in %s; unknown ids are 404', async (path, truthKey, key) => {
    const record = truth[truthKey][0]!;
    const res = await call(sim, `${path}/${String(record.id)}`);
    expect(res.json).toEqual({ [key]: record });
    const missing = await call(sim, `${path}/999999999`);
    expect(missing.status).toBe(404);
    expect(obj(arr(obj(missing.json).errors)[0]).status).toBe('404');
  });

  it('messages/{id} and customers/{id}/attributes', async () => {
    const message = truth.messages[17]!;
    expect((await call(sim, `/v1/messages/${encodeURIComponent(String(message.id))}`)).json).toEqual({
      message,
    });
    expect((await call(sim, '/v1/messages/ag1q6QWq6QUBAAF4_CGoeVX7mFkDbRFu7ek=')).status).toBe(404);
    const person = truth.customers.find((c) => c.id !== null)!;
    expect((await call(sim, `/v1/customers/${String(person.id)}/attributes`)).json).toEqual({
      customer: person,
    });
    const cio = String(obj(person.identifiers).cio_id);
    expect((await call(sim, `/v1/customers/cio_${cio}/attributes`)).json).toEqual({ customer: person });
    expect((await call(sim, '/v1/customers/nobody/attributes')).status).toBe(404);
  });
});
