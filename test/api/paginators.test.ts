import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RequestBudget } from '../../src/api/budget.js';
import { createApiClient } from '../../src/api/client.js';
import { MAX_CONSECUTIVE_EMPTY_PAGES, type PaginateOptions, paginate } from '../../src/api/paginators.js';
import type { ApiClient, ApiRequest, FetchedPage, PagePosition, Paging } from '../../src/api/types.js';
import type { CioError } from '../../src/core/errors.js';
import {
  cursorFor,
  cursorPagedApi,
  type LastNext,
  offsetPagedApi,
  type PastEnd,
} from './helpers/paged-api.js';
import type { RecordedRequest, Reply } from './helpers/scripted-server.js';
import { type ScriptedServer, startScriptedServer } from './helpers/scripted-server.js';

/** One server and client for the whole file; each test swaps in its own handler. */
let handler: (req: RecordedRequest, index: number) => Reply = () => ({ status: 500 });
let server: ScriptedServer;
let client: ApiClient;
let firstRequest = 0;

beforeAll(async () => {
  server = await startScriptedServer((req, index) => handler(req, index - firstRequest));
  client = createApiClient({
    baseUrl: server.url,
    token: 'test-token',
    // The budget has its own tests; here it only must not slow hundreds of loopback pages down.
    budget: new RequestBudget({ ratePerSecond: 100_000, concurrency: 4 }),
    maxRetries: 0,
  });
});
afterAll(async () => {
  await client.close();
  await server.close();
});
afterEach(() => {
  handler = () => ({ status: 500 });
});

/** Installs a handler; the returned function lists the requests it has seen so far. */
function serve(next: (req: RecordedRequest, index: number) => Reply): () => RecordedRequest[] {
  const from = server.requests.length;
  firstRequest = from;
  handler = next;
  return () => server.requests.slice(from);
}

const messages: ApiRequest = { method: 'GET', path: '/v1/messages' };
const suppressions: ApiRequest = { method: 'GET', path: '/v1/esp/suppression/bounces' };

async function readAll(
  request: ApiRequest,
  key: string,
  paging: Paging,
  opts?: PaginateOptions,
  stopAfter = Number.POSITIVE_INFINITY,
): Promise<FetchedPage[]> {
  const pages: FetchedPage[] = [];
  for await (const page of paginate(client, request, key, paging, opts)) {
    pages.push(page);
    if (pages.length >= stopAfter) break;
  }
  return pages;
}

async function readError(
  request: ApiRequest,
  key: string,
  paging: Paging,
  opts?: PaginateOptions,
): Promise<CioError> {
  return readAll(request, key, paging, opts).then(
    () => {
      throw new Error('expected the read to fail');
    },
    (error: CioError) => error,
  );
}

const records = (pages: FetchedPage[]) => pages.flatMap((page) => page.records);
const ids = (from: number, count: number) => Array.from({ length: count }, (_, i) => ({ id: from + i }));

describe('no paging', () => {
  it('makes one request and ends', async () => {
    const seen = serve(() => ({ body: { segments: ids(1, 3), extra: 'kept' } }));
    const pages = await readAll({ method: 'GET', path: '/v1/segments', query: { x: 1 } }, 'segments', {
      kind: 'none',
    });
    expect(pages).toEqual([{ records: ids(1, 3), body: { segments: ids(1, 3), extra: 'kept' }, next: null }]);
    expect(seen().map((r) => r.query)).toEqual([{ x: '1' }]);
  });

  it('reads an empty or null records list as no records', async () => {
    serve((_req, index) => ({ body: index === 0 ? { segments: [] } : { segments: null } }));
    expect((await readAll(messages, 'segments', { kind: 'none' }))[0]?.records).toEqual([]);
    expect((await readAll(messages, 'segments', { kind: 'none' }))[0]?.records).toEqual([]);
  });

  it('refuses a body without the records key and without any list, rather than read it as empty', async () => {
    serve(() => ({ body: {} }));
    const error = await readError(messages, 'segments', { kind: 'none' }, { stream: 'segments' });
    expect(error).toMatchObject({ code: 'CIO_ERR_BAD_RESPONSE', stream: 'segments' });
    expect(error.message).toContain('without "segments" and without any list of records (an empty object)');
  });

  it('never takes an error envelope answered with 200 for the records', async () => {
    serve(() => ({ body: { errors: [{ detail: 'upstream timeout', status: '504' }] } }));
    const error = await readError(messages, 'segments', { kind: 'none' }, { stream: 'segments' });
    expect(error).toMatchObject({ code: 'CIO_ERR_BAD_RESPONSE', stream: 'segments' });
    expect(error.message).toContain('the API said: "upstream timeout"');
  });

  it('takes the only list of a body that names it differently (ingestr expects `ips`)', async () => {
    serve(() => ({ body: { ips: ['10.0.0.1', '10.0.0.2'], count: 2 } }));
    const [page] = await readAll(messages, 'ip_addresses', { kind: 'none' });
    expect(page?.records).toEqual(['10.0.0.1', '10.0.0.2']);
  });

  it('refuses a body without the key and with several lists, naming them', async () => {
    serve(() => ({ body: { a: [1], b: [2] } }));
    const error = await readError(messages, 'segments', { kind: 'none' }, { stream: 'segments' });
    expect(error).toMatchObject({ code: 'CIO_ERR_BAD_RESPONSE', stream: 'segments' });
    expect(error.message).toContain('without "segments" and with several lists (a, b)');
  });

  it('refuses a records value that is not an array, naming the key', async () => {
    serve(() => ({ body: { segments: { id: 1 } } }));
    const error = await readError(messages, 'segments', { kind: 'none' }, { stream: 'segments' });
    expect(error).toMatchObject({ code: 'CIO_ERR_BAD_RESPONSE', stream: 'segments' });
    expect(error.message).toContain('"segments"');
  });
});

describe('cursor paging', () => {
  const paging: Paging = { kind: 'cursor', pageSize: 2 };

  it('follows next to the end; no start on the first page, limit on every page', async () => {
    const seen = serve(cursorPagedApi('messages', [ids(1, 2), ids(3, 2), ids(5, 1)]));
    const pages = await readAll({ ...messages, query: { type: 'email' } }, 'messages', paging);
    expect(records(pages)).toEqual(ids(1, 5));
    expect(pages.map((page) => page.next)).toEqual([
      { cursor: cursorFor(1) },
      { cursor: cursorFor(2) },
      null,
    ]);
    expect(seen().map((r) => r.query)).toEqual([
      { type: 'email', limit: '2' },
      { type: 'email', limit: '2', start: cursorFor(1) },
      { type: 'email', limit: '2', start: cursorFor(2) },
    ]);
  });

  it.each<LastNext>(['missing', 'null', 'empty'])('stops on a %s next', async (lastNext) => {
    serve(cursorPagedApi('messages', [ids(1, 2), ids(3, 2)], lastNext));
    expect(records(await readAll(messages, 'messages', paging))).toEqual(ids(1, 4));
  });

  it('resumes exactly at a saved cursor', async () => {
    const api = cursorPagedApi('messages', [ids(1, 2), ids(3, 2), ids(5, 2), ids(7, 1)]);
    serve(api);
    const firstTwo = await readAll(messages, 'messages', paging, {}, 2);
    const resumeAt = firstTwo[1]?.next as PagePosition;
    const seen = serve(api);
    const rest = await readAll(messages, 'messages', paging, { from: resumeAt });
    expect(seen()[0]?.query.start).toBe(cursorFor(2));
    expect([...records(firstTwo), ...records(rest)]).toEqual(ids(1, 7));
  });

  it('follows an empty page that carries a cursor', async () => {
    serve(cursorPagedApi('messages', [ids(1, 2), [], [], ids(3, 1), []]));
    const pages = await readAll(messages, 'messages', paging);
    expect(pages).toHaveLength(5);
    expect(records(pages)).toEqual(ids(1, 3));
  });

  it('fails on a cursor equal to the start just sent', async () => {
    const seen = serve((req) => ({ body: { messages: ids(1, 2), next: req.query.start ?? 'A' } }));
    const error = await readError(messages, 'messages', paging, { stream: 'messages' });
    expect(error).toMatchObject({ code: 'CIO_ERR_PAGINATION', stream: 'messages', path: '/v1/messages' });
    expect(error.message).toContain('the same page cursor twice');
    expect(seen()).toHaveLength(2);
  });

  it('ends the list at an empty page whose cursor points back (a trailing page echoing its start)', async () => {
    const seen = serve((req) => ({
      body: req.query.start === undefined ? { messages: ids(1, 2), next: 'A' } : { messages: [], next: 'A' },
    }));
    const pages = await readAll(messages, 'messages', paging);
    expect(records(pages)).toEqual(ids(1, 2));
    expect(pages.at(-1)?.next).toBeNull();
    expect(seen()).toHaveLength(2);
  });

  it('fails on a cursor seen earlier in the read (A -> B -> A)', async () => {
    const seen = serve((req) => ({
      body: { messages: ids(1, 2), next: req.query.start === 'B' ? 'A' : 'B' },
    }));
    expect((await readError(messages, 'messages', paging)).code).toBe('CIO_ERR_PAGINATION');
    expect(seen().map((r) => r.query.start)).toEqual([undefined, 'B', 'A']);
  });

  it(`stops after ${MAX_CONSECUTIVE_EMPTY_PAGES} empty pages in a row that each bring a new cursor`, async () => {
    const seen = serve((_req, index) => ({
      body: { messages: index === 0 ? ids(1, 1) : [], next: `c${index}` },
    }));
    const error = await readError(messages, 'messages', paging);
    expect(error.code).toBe('CIO_ERR_PAGINATION');
    expect(error.message).toContain('empty pages in a row');
    expect(seen()).toHaveLength(MAX_CONSECUTIVE_EMPTY_PAGES + 1);
  });

  it('refuses a saved position of the wrong kind', async () => {
    serve(() => ({ body: {} }));
    const error = await readError(messages, 'messages', paging, { from: { offset: 3 } });
    expect(error.code).toBe('CIO_ERR_STATE');
  });
});

describe('offset paging', () => {
  const paging: Paging = { kind: 'offset', pageSize: 3 };

  it('asks for one more, empty page when the total is an exact multiple of the page size', async () => {
    const seen = serve(offsetPagedApi('suppressions', ids(1, 6)));
    const pages = await readAll(suppressions, 'suppressions', paging);
    expect(records(pages)).toEqual(ids(1, 6));
    expect(seen().map((r) => r.query)).toEqual([
      { limit: '3', offset: '0' },
      { limit: '3', offset: '3' },
      { limit: '3', offset: '6' },
    ]);
    expect(pages.map((page) => page.next)).toEqual([{ offset: 3 }, { offset: 6 }, null]);
  });

  it('stops at a short page', async () => {
    const seen = serve(offsetPagedApi('suppressions', ids(1, 7)));
    expect(records(await readAll(suppressions, 'suppressions', paging))).toEqual(ids(1, 7));
    expect(seen()).toHaveLength(3);
  });

  it('stops at a null records array (suppressions past the end)', async () => {
    const seen = serve(offsetPagedApi('suppressions', ids(1, 3), 'null'));
    const pages = await readAll(suppressions, 'suppressions', paging);
    expect(records(pages)).toEqual(ids(1, 3));
    expect(pages[1]?.records).toEqual([]);
    expect(seen()).toHaveLength(2);
  });

  it('resumes at a saved offset', async () => {
    const seen = serve(offsetPagedApi('suppressions', ids(1, 8)));
    const pages = await readAll(suppressions, 'suppressions', paging, { from: { offset: 6 } });
    expect(records(pages)).toEqual(ids(7, 2));
    expect(seen()[0]?.query.offset).toBe('6');
  });

  it('reads on past a page of the documented default size (a server that ignored our larger limit)', async () => {
    const capped = offsetPagedApi('suppressions', ids(1, 7));
    const seen = serve((req) => capped({ ...req, query: { ...req.query, limit: '2' } }));
    const withDefault: Paging = { kind: 'offset', pageSize: 3, defaultPageSize: 2 };
    expect(records(await readAll(suppressions, 'suppressions', withDefault))).toEqual(ids(1, 7));
    expect(seen().map((r) => r.query.offset)).toEqual(['0', '2', '4', '6']);
  });

  it('fails instead of looping when the server ignores offset', async () => {
    const seen = serve(() => ({ body: { suppressions: ids(1, 3) } }));
    expect((await readError(suppressions, 'suppressions', paging)).code).toBe('CIO_ERR_PAGINATION');
    expect(seen()).toHaveLength(2);
  });
});

describe('properties', () => {
  const record = fc.nat();
  it('cursor: any layout of pages (empty ones included) ends and yields every record once, in order, across a resume', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(record, { maxLength: 4 }), { minLength: 1, maxLength: 7 }),
        fc.constantFrom<LastNext>('missing', 'null', 'empty'),
        fc.nat(),
        async (layout, lastNext, cut) => {
          let n = 0;
          const pages = layout.map((page) => page.map(() => ({ n: n++ })));
          const api = cursorPagedApi('messages', pages, lastNext);
          const paging: Paging = { kind: 'cursor', pageSize: 4 };
          serve(api);
          const stopAfter = (cut % pages.length) + 1;
          const head = await readAll(messages, 'messages', paging, {}, stopAfter);
          const resumeAt = head[head.length - 1]?.next ?? null;
          const seen = serve(api);
          const tail =
            resumeAt === null ? [] : await readAll(messages, 'messages', paging, { from: resumeAt });
          expect(head.length + tail.length).toBe(pages.length);
          expect([...records(head), ...records(tail)]).toEqual(pages.flat());
          expect(tail.length === 0 ? null : tail[tail.length - 1]?.next).toBeNull();
          if (resumeAt === null) expect(seen()).toHaveLength(0);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('offset: any total, page size and end marker ends and yields every record once, in order, across a resume', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 25 }),
        fc.integer({ min: 1, max: 9 }),
        fc.constantFrom<PastEnd>('empty', 'null'),
        fc.nat(),
        async (total, pageSize, pastEnd, cut) => {
          const all = ids(0, total);
          const api = offsetPagedApi('suppressions', all, pastEnd);
          const paging: Paging = { kind: 'offset', pageSize };
          const seen = serve(api);
          const pages = await readAll(suppressions, 'suppressions', paging);
          expect(records(pages)).toEqual(all);
          expect(seen()).toHaveLength(Math.floor(total / pageSize) + 1);
          const stopAfter = (cut % pages.length) + 1;
          serve(api);
          const head = await readAll(suppressions, 'suppressions', paging, {}, stopAfter);
          const resumeAt = head[head.length - 1]?.next ?? null;
          serve(api);
          const tail =
            resumeAt === null ? [] : await readAll(suppressions, 'suppressions', paging, { from: resumeAt });
          expect([...records(head), ...records(tail)]).toEqual(all);
        },
      ),
      { numRuns: 60 },
    );
  });
});
