import { afterEach, describe, expect, it } from 'vitest';
import { getDefinition } from '../../src/streams/definitions.js';
import { readCustomers } from '../../src/streams/readers/customers.js';
import type { ReadContext } from '../../src/streams/types.js';
import { collectPages } from './helpers/collect.js';
import { type FakeApi, HttpAnswer, type SeenRequest, startFakeApi } from './helpers/fake-api.js';
import { validationErrors } from './helpers/schema-validator.js';

let api: FakeApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

const def = getDefinition('customers');

interface Person {
  cio_id: string;
  id: string | null;
  email: string | null;
}

/** `count` people; every third has no id (identified by email only). */
function people(count: number): Person[] {
  return Array.from({ length: count }, (_, i) => ({
    cio_id: `c${String(i).padStart(5, '0')}`,
    id: i % 3 === 0 ? null : String(i),
    email: `p${i}@example.com`,
  }));
}

function detail(p: Person) {
  return {
    customer: {
      id: p.id,
      identifiers: { id: p.id, email: p.email, cio_id: p.cio_id },
      attributes: { cio_id: p.cio_id, email: p.email ?? '', created_at: '1489014595' },
      timestamps: { cio_id: 1489014595 },
      unsubscribed: false,
      devices: [],
    },
  };
}

interface World {
  everyone: Person[];
  /** People the attributes endpoint does not know (deleted after being listed). */
  gone?: Set<string>;
  idsPerPage?: number;
  /** Answers attribute calls only for ids sent with the `cio_` prefix. */
  wantsPrefix?: boolean;
  /** With `wantsPrefix`: bare ids are refused with a 400 rather than finding nobody. */
  refusesBare?: boolean;
  onAttributes?: (req: SeenRequest) => Promise<void>;
}

function customersApi(world: World) {
  const perPage = world.idsPerPage ?? 1000;
  return async (req: SeenRequest) => {
    if (req.method === 'POST' && req.path === '/v1/customers') {
      expect(req.body).toEqual({ filter: { and: [{ attribute: { field: 'cio_id', operator: 'exists' } }] } });
      const start = Number(req.query.start ?? 0);
      const limit = Math.min(Number(req.query.limit), perPage);
      const slice = world.everyone.slice(start, start + limit);
      const next = start + limit < world.everyone.length ? String(start + limit) : '';
      return { identifiers: slice, ids: slice.map((p) => p.id ?? ''), next };
    }
    if (req.method === 'POST' && req.path === '/v1/customers/attributes') {
      expect(req.query).toEqual({ id_type: 'cio_id' });
      await world.onAttributes?.(req);
      const ids = (req.body as { ids: string[] }).ids;
      if (world.refusesBare && !ids.every((id) => id.startsWith('cio_')))
        return new HttpAnswer(400, { errors: [{ status: '400', detail: 'invalid id' }] });
      expect(ids.length).toBeGreaterThan(0);
      expect(ids.length).toBeLessThanOrEqual(100);
      const known = new Map(world.everyone.map((p) => [world.wantsPrefix ? `cio_${p.cio_id}` : p.cio_id, p]));
      const found = ids
        .map((id) => known.get(id))
        .filter((p): p is Person => !!p && !world.gone?.has(p.cio_id));
      return { customers: found.map(detail) };
    }
    throw new Error(`unknown route ${req.method} ${req.path}`);
  };
}

function ctx(extra: Partial<ReadContext> = {}): ReadContext {
  if (api === undefined) throw new Error('no api');
  return { client: api.client, concurrency: 4, ...extra };
}

describe('readCustomers', () => {
  it('lists everyone, fetches them by cio_id in batches of 100 and yields one page per ids page', async () => {
    const everyone = people(450);
    api = await startFakeApi(customersApi({ everyone, idsPerPage: 250 }));
    const pages = await collectPages(readCustomers(def, ctx()));

    expect(pages.map((p) => p.rows.length)).toEqual([250, 200]);
    expect(pages.map((p) => p.position)).toEqual([{ cursor: '250' }, null]);
    const rows = pages.flatMap((p) => p.rows);
    expect(rows.map((r) => r.cio_id)).toEqual(everyone.map((p) => p.cio_id));
    for (const row of rows) expect(validationErrors(def.schema, row)).toEqual([]);

    // Batches of one ids page may reach the server interleaved with the next page's (read-ahead,
    // four in flight), so each ids page's batches are compared as a set, not by arrival order.
    const attributeCalls = api.requests.filter((r) => r.path === '/v1/customers/attributes');
    const pageOf = new Map(everyone.map((p, index) => [p.cio_id, index < 250 ? 0 : 1]));
    const batchSizes: number[][] = [[], []];
    for (const call of attributeCalls) {
      const ids = (call.body as { ids: string[] }).ids;
      const pages = new Set(ids.map((id) => pageOf.get(id)));
      expect(pages.size, 'a batch holds ids of one ids page').toBe(1);
      batchSizes[[...pages][0] ?? 0]!.push(ids.length);
    }
    expect(batchSizes.map((sizes) => sizes.sort((a, b) => b - a))).toEqual([
      [100, 100, 50],
      [100, 100],
    ]);
    expect(api.requests.filter((r) => r.path === '/v1/customers').map((r) => r.query)).toEqual([
      { limit: '1000' },
      { limit: '1000', start: '250' },
    ]);
  });

  it('includes people without an id, with id null and their email from the identifiers', async () => {
    api = await startFakeApi(customersApi({ everyone: people(3) }));
    const [page] = await collectPages(readCustomers(def, ctx()));
    expect(page?.rows[0]).toMatchObject({ cio_id: 'c00000', id: null, email: 'p0@example.com' });
    expect(page?.rows[1]).toMatchObject({
      cio_id: 'c00001',
      id: '1',
      email: 'p1@example.com',
      identifiers: { id: '1', email: 'p1@example.com', cio_id: 'c00001' },
      attributes: { cio_id: 'c00001', email: 'p1@example.com', created_at: '1489014595' },
      timestamps: { cio_id: 1489014595 },
      unsubscribed: false,
      devices: [],
    });
  });

  it('leaves out people the attributes call omits, and says how many once at the end', async () => {
    const everyone = people(30);
    api = await startFakeApi(customersApi({ everyone, idsPerPage: 10, gone: new Set(['c00004', 'c00025']) }));
    const warnings: string[] = [];
    const pages = await collectPages(readCustomers(def, ctx({ onWarning: (m) => warnings.push(m) })));
    expect(pages.map((p) => p.rows.length)).toEqual([9, 10, 9]);
    expect(pages.flatMap((p) => p.rows.map((r) => r.cio_id))).not.toContain('c00004');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/\b2 of 30 people\b/);
  });

  it('warns of nothing when everyone is found', async () => {
    api = await startFakeApi(customersApi({ everyone: people(5) }));
    const warnings: string[] = [];
    await collectPages(readCustomers(def, ctx({ onWarning: (m) => warnings.push(m) })));
    expect(warnings).toEqual([]);
  });

  it.each([1, 3])('keeps at most %i attribute calls in flight', async (concurrency) => {
    const batches = 7; // 700 people, 100 a call
    let inFlight = 0;
    let arrived = 0;
    let most = 0;
    let waiters: (() => void)[] = [];
    // Each call is held until `concurrency` calls are in flight (or the last call has arrived), and
    // a moment longer for calls over the limit to turn up, so a reader that sends more at once, or
    // fewer, shows it in `most`. The long timer only ends a hang.
    const onAttributes = async () => {
      inFlight++;
      arrived++;
      most = Math.max(most, inFlight);
      if (inFlight >= concurrency || arrived === batches) {
        await new Promise((resolve) => setTimeout(resolve, 30));
        for (const wake of waiters) wake();
        waiters = [];
      } else {
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 5000);
        });
      }
      inFlight--;
    };
    api = await startFakeApi(customersApi({ everyone: people(700), onAttributes }));
    const pages = await collectPages(readCustomers(def, ctx({ concurrency })));
    expect(pages.flatMap((p) => p.rows)).toHaveLength(700);
    expect(most).toBe(concurrency);
  });

  it('resumes after the saved ids cursor', async () => {
    api = await startFakeApi(customersApi({ everyone: people(25), idsPerPage: 10 }));
    const pages = await collectPages(readCustomers(def, ctx({ resume: { cursor: '20' } })));
    expect(pages.flatMap((p) => p.rows.map((r) => r.cio_id))).toEqual(
      people(25)
        .slice(20)
        .map((p) => p.cio_id),
    );
  });

  it('falls back to cio_-prefixed ids when bare ones find nobody, and keeps that form', async () => {
    api = await startFakeApi(customersApi({ everyone: people(150), wantsPrefix: true }));
    const pages = await collectPages(readCustomers(def, ctx({ concurrency: 1 })));
    expect(pages[0]?.rows).toHaveLength(150);
    expect(pages[0]?.rows[0]?.cio_id).toBe('c00000');
    const sent = api.requests
      .filter((r) => r.path === '/v1/customers/attributes')
      .map((r) => (r.body as { ids: string[] }).ids[0]);
    expect(sent).toEqual(['c00000', 'cio_c00000', 'cio_c00100']);
  });

  it('falls back to cio_-prefixed ids when bare ones are refused with a 400', async () => {
    api = await startFakeApi(customersApi({ everyone: people(150), wantsPrefix: true, refusesBare: true }));
    const pages = await collectPages(readCustomers(def, ctx({ concurrency: 1 })));
    expect(pages[0]?.rows).toHaveLength(150);
    const sent = api.requests
      .filter((r) => r.path === '/v1/customers/attributes')
      .map((r) => (r.body as { ids: string[] }).ids[0]);
    expect(sent).toEqual(['c00000', 'cio_c00000', 'cio_c00100']);
  });

  it('fails on a 400 once the bare form has worked: that refusal is not about the form', async () => {
    const world = customersApi({ everyone: people(150) });
    let calls = 0;
    api = await startFakeApi((req) => {
      if (req.path === '/v1/customers/attributes' && ++calls === 2)
        return new HttpAnswer(400, { errors: [{ status: '400', detail: 'bad batch' }] });
      return world(req);
    });
    await expect(collectPages(readCustomers(def, ctx({ concurrency: 1 })))).rejects.toMatchObject({
      status: 400,
    });
    expect(calls).toBe(2);
  });

  it('accepts people not wrapped in `customer`, taking missing identifiers from the ids page', async () => {
    api = await startFakeApi((req) =>
      req.path === '/v1/customers'
        ? { identifiers: [{ cio_id: 'a1', id: '7', email: 'x@example.com' }], ids: ['7'], next: '' }
        : { customers: [{ id: '7', attributes: { cio_id: 'a1' }, unsubscribed: true, extra: 1 }] },
    );
    const [page] = await collectPages(readCustomers(def, ctx()));
    expect(page?.rows).toEqual([
      {
        cio_id: 'a1',
        id: '7',
        email: 'x@example.com',
        identifiers: { cio_id: 'a1', id: '7', email: 'x@example.com' },
        attributes: { cio_id: 'a1' },
        timestamps: null,
        devices: null,
        unsubscribed: true,
        extra: 1,
      },
    ]);
  });

  it('fails with CIO_ERR_BAD_RESPONSE when an attributes answer is not the documented shape', async () => {
    api = await startFakeApi((req) =>
      req.path === '/v1/customers'
        ? { identifiers: [{ cio_id: 'a1' }], ids: [''], next: '' }
        : { customers: { oops: true } },
    );
    await expect(collectPages(readCustomers(def, ctx()))).rejects.toMatchObject({
      code: 'CIO_ERR_BAD_RESPONSE',
    });
  });

  it('fails with CIO_ERR_BAD_RESPONSE on an identifier without cio_id', async () => {
    api = await startFakeApi(() => ({ identifiers: [{ id: '1' }], ids: ['1'], next: '' }));
    await expect(collectPages(readCustomers(def, ctx()))).rejects.toMatchObject({
      code: 'CIO_ERR_BAD_RESPONSE',
    });
  });
});
