import { afterEach, describe, expect, it } from 'vitest';
import { isCioError } from '../../src/core/errors.js';
import { getDefinition } from '../../src/streams/definitions.js';
import { readCustomers } from '../../src/streams/readers/customers.js';
import { readTableStream } from '../../src/streams/readers/list.js';
import { type FakeApi, type SeenRequest, startFakeApi } from './helpers/fake-api.js';

let api: FakeApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits (bounded) until `done()`; the bound only ends a hang, the assertions decide. */
async function until(done: () => boolean, ms = 2000): Promise<void> {
  const deadline = performance.now() + ms;
  while (!done() && performance.now() < deadline) await sleep(5);
}

/** 300 activities served 100 a page with cursors "p1", "p2". */
function activitiesPage(req: SeenRequest) {
  const start = req.query.start === undefined ? 0 : Number(req.query.start.slice(1)) * 100;
  const records = Array.from({ length: 100 }, (_, i) => ({
    id: `act-${start + i}`,
    type: 'event',
    timestamp: 1767225600 - (start + i) * 60,
  }));
  return { activities: records, next: start + 100 < 300 ? `p${start / 100 + 1}` : '' };
}

describe('readTableStream reads one page ahead', () => {
  it('asks for the next page while the consumer still holds the current one', async () => {
    api = await startFakeApi(activitiesPage);
    const pages = readTableStream(getDefinition('activities'), { client: api.client, concurrency: 1 })[
      Symbol.asyncIterator
    ]();
    const first = await pages.next();
    expect(first.value?.rows).toHaveLength(100);
    // The consumer is "writing" page 1: the request for page 2 goes out meanwhile.
    await until(() => api?.requests.length === 2);
    expect(api.requests.map((r) => r.query.start)).toEqual([undefined, 'p1']);
    const rest = [await pages.next(), await pages.next(), await pages.next()];
    expect(rest.map((r) => r.done)).toEqual([false, false, true]);
    expect(rest[1]?.value?.position).toBeNull();
    // Nothing is fetched beyond the last page.
    expect(api.requests).toHaveLength(3);
  });

  it('a consumer that stops early cancels the page read ahead and sends nothing more', async () => {
    let answered = 0;
    api = await startFakeApi(async (req) => {
      if (req.query.start !== undefined) await sleep(200);
      answered++;
      return activitiesPage(req);
    });
    for await (const page of readTableStream(getDefinition('activities'), {
      client: api.client,
      concurrency: 1,
    })) {
      expect(page.rows).toHaveLength(100);
      await until(() => api?.requests.length === 2);
      break;
    }
    await sleep(300);
    expect(api.requests).toHaveLength(2);
    expect(answered).toBeLessThanOrEqual(2);
  });
});

interface Person {
  cio_id: string;
  email: string;
}

const everyone: Person[] = Array.from({ length: 250 }, (_, i) => ({
  cio_id: `c${String(i).padStart(4, '0')}`,
  email: `p${i}@example.com`,
}));

/** 250 people, 100 ids a page; `onAttributes` may delay or fail an attributes call. */
function customersApi(onAttributes: (ids: string[]) => Promise<void> = async () => {}) {
  return async (req: SeenRequest) => {
    if (req.path === '/v1/customers') {
      const start = Number(req.query.start ?? 0);
      const slice = everyone.slice(start, start + 100);
      return {
        identifiers: slice,
        ids: slice.map(() => ''),
        next: start + 100 < 250 ? String(start + 100) : '',
      };
    }
    const ids = (req.body as { ids: string[] }).ids;
    await onAttributes(ids);
    return {
      customers: ids.map((cio_id) => ({
        customer: { identifiers: { cio_id, email: null, id: null }, attributes: { cio_id }, devices: [] },
      })),
    };
  };
}

describe('readCustomers pipelines its pages', () => {
  it('lists and fetches the next page while the consumer holds the current one', async () => {
    api = await startFakeApi(customersApi());
    const def = getDefinition('customers');
    const pages = readCustomers(def, { client: api.client, concurrency: 4 })[Symbol.asyncIterator]();
    const first = await pages.next();
    expect(first.value?.rows).toHaveLength(100);
    const calls = () =>
      api?.requests.map((r) => (r.path === '/v1/customers' ? `ids:${r.query.start ?? 0}` : 'attributes')) ??
      [];
    // Page 2's ids and its people are on their way before page 2 is asked for.
    await until(() => calls().filter((c) => c === 'attributes').length === 2);
    // The next ids page is asked for as soon as the first arrives, alongside that page's people
    // (which of the two reaches the server first is timing).
    expect(calls()[0]).toBe('ids:0');
    expect([...calls()].sort()).toEqual(['attributes', 'attributes', 'ids:0', 'ids:100']);
    const rest = [await pages.next(), await pages.next(), await pages.next()];
    expect(rest.map((r) => r.value?.rows.length)).toEqual([100, 50, undefined]);
    expect(rest.map((r) => r.value?.position)).toEqual([{ cursor: '200' }, null, undefined]);
  });

  it('keeps at most `concurrency` attribute calls in flight across the pages in progress', async () => {
    let inFlight = 0;
    let most = 0;
    api = await startFakeApi(
      customersApi(async () => {
        inFlight++;
        most = Math.max(most, inFlight);
        await sleep(15);
        inFlight--;
      }),
    );
    const rows: unknown[] = [];
    for await (const page of readCustomers(getDefinition('customers'), {
      client: api.client,
      concurrency: 1,
    })) {
      rows.push(...page.rows);
      await sleep(40); // a slow write, so the next page's calls pile up if they are not limited
    }
    expect(rows).toHaveLength(250);
    expect(most).toBe(1);
  });

  it('a failure on the page read ahead fails the read after the pages before it', async () => {
    api = await startFakeApi(
      customersApi(async (ids) => {
        if (ids[0] === 'c0100') throw new Error('gone');
      }),
    );
    const seen: number[] = [];
    let failure: unknown;
    try {
      for await (const page of readCustomers(getDefinition('customers'), {
        client: api.client,
        concurrency: 2,
      })) {
        seen.push(page.rows.length);
      }
    } catch (error) {
      failure = error;
    }
    expect(seen).toEqual([100]);
    expect(isCioError(failure) && failure.code).toBe('CIO_ERR_NOT_FOUND');
  });
});
