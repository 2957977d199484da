import { afterEach, describe, expect, it } from 'vitest';
import { getDefinition } from '../../src/streams/definitions.js';
import { readCustomers } from '../../src/streams/readers/customers.js';
import { readerFor } from '../../src/streams/readers/index.js';
import { readTableStream } from '../../src/streams/readers/list.js';
import { readSuppressions } from '../../src/streams/readers/suppressions.js';
import { asWritten } from './helpers/as-written.js';
import { collectPages } from './helpers/collect.js';
import { type FakeApi, HttpAnswer, type SeenRequest, startFakeApi } from './helpers/fake-api.js';

let api: FakeApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

/** 250 activities, newest first, one a minute, served 100 a page with cursors "p1", "p2". */
const activities = Array.from({ length: 250 }, (_, i) => ({
  id: `act-${i}`,
  type: 'event',
  timestamp: 1767225600 - i * 60,
  new_field: i,
}));

function activitiesPage(req: SeenRequest) {
  const start = req.query.start === undefined ? 0 : Number(req.query.start.slice(1)) * 100;
  const limit = Number(req.query.limit);
  const records = activities.slice(start, start + limit);
  const more = start + limit < activities.length;
  return { activities: records, next: more ? `p${start / 100 + 1}` : '' };
}

describe('readTableStream', () => {
  it('pages a cursor endpoint with its page size, yields rows and the position after each page', async () => {
    api = await startFakeApi(activitiesPage);
    const pages = await collectPages(
      readTableStream(getDefinition('activities'), { client: api.client, concurrency: 1 }),
    );
    expect(pages.map((p) => p.rows.length)).toEqual([100, 100, 50]);
    expect(pages.map((p) => p.position)).toEqual([{ cursor: 'p1' }, { cursor: 'p2' }, null]);
    expect(api.requests.map((r) => r.query)).toEqual([
      { limit: '100' },
      { limit: '100', start: 'p1' },
      { limit: '100', start: 'p2' },
    ]);
    expect(asWritten(pages[0]?.rows[0])).toEqual({
      id: 'act-0',
      type: 'event',
      timestamp: '2026-01-01T00:00:00Z',
      new_field: 0,
    });
    expect(new Set(pages.flatMap((p) => p.rows.map((r) => r.id))).size).toBe(250);
  });

  it('resumes from a saved position', async () => {
    api = await startFakeApi(activitiesPage);
    const pages = await collectPages(
      readTableStream(getDefinition('activities'), {
        client: api.client,
        concurrency: 1,
        resume: { cursor: 'p2' },
      }),
    );
    expect(pages.map((p) => p.rows.length)).toEqual([50]);
    expect(api.requests.map((r) => r.query.start)).toEqual(['p2']);
  });

  it('refuses a saved position that is not one, before sending anything', async () => {
    api = await startFakeApi(activitiesPage);
    const read = collectPages(
      readTableStream(getDefinition('activities'), { client: api.client, concurrency: 1, resume: 'p2' }),
    );
    await expect(read).rejects.toMatchObject({ code: 'CIO_ERR_STATE' });
    expect(api.requests).toEqual([]);
  });

  it('keeps only rows at or after the start date by the time field, still yielding every position', async () => {
    api = await startFakeApi(activitiesPage);
    const startDate = new Date((1767225600 - 120 * 60) * 1000);
    const pages = await collectPages(
      readTableStream(getDefinition('activities'), { client: api.client, concurrency: 1, startDate }),
    );
    expect(pages.map((p) => p.rows.length)).toEqual([100, 21, 0]);
    expect(pages.at(-1)?.position).toBeNull();
  });

  it('asks messages for start_ts in unix seconds when there is a start date, and not otherwise', async () => {
    const message = { id: 'm1', created: 1767225600, metrics: { sent: 1767225601 } };
    api = await startFakeApi(() => ({ messages: [message], next: '' }));
    const def = getDefinition('messages');
    await collectPages(readTableStream(def, { client: api.client, concurrency: 1 }));
    const pages = await collectPages(
      readTableStream(def, {
        client: api.client,
        concurrency: 1,
        startDate: new Date('2026-01-01T00:00:00.500Z'),
      }),
    );
    expect(api.requests.map((r) => r.query)).toEqual([
      { limit: '1000' },
      { start_ts: '1767225600', limit: '1000' },
    ]);
    expect(asWritten(pages[0]?.rows)).toEqual([
      { id: 'm1', created: '2026-01-01T00:00:00Z', metrics: { sent: 1767225601 } },
    ]);
  });

  it('reads messages without start_ts when the API refuses the window, filtering by the start date itself', async () => {
    const old = { id: 'm-old', created: 1600000000 };
    const recent = { id: 'm-new', created: 1767225600 };
    api = await startFakeApi((req) =>
      req.query.start_ts === undefined
        ? { messages: [recent, old], next: '' }
        : new HttpAnswer(400, { errors: [{ status: '400', detail: 'range exceeds 6 months' }] }),
    );
    const warnings: string[] = [];
    const pages = await collectPages(
      readTableStream(getDefinition('messages'), {
        client: api.client,
        concurrency: 1,
        startDate: new Date('2021-01-01T00:00:00Z'),
        onWarning: (message) => warnings.push(message),
      }),
    );
    expect(api.requests.map((r) => r.query)).toEqual([
      { start_ts: '1609459200', limit: '1000' },
      { limit: '1000' },
    ]);
    expect(pages.flatMap((page) => page.rows.map((row) => row.id))).toEqual(['m-new']);
    expect(warnings).toEqual([expect.stringContaining('filtering by the start date instead')]);
  });

  it('does not drop start_ts on a resume, whose cursor belongs to the filtered list', async () => {
    api = await startFakeApi(() => new HttpAnswer(400, { errors: [{ status: '400', detail: 'no' }] }));
    const read = collectPages(
      readTableStream(getDefinition('messages'), {
        client: api.client,
        concurrency: 1,
        startDate: new Date('2020-01-01T00:00:00Z'),
        resume: { cursor: 'c1' },
      }),
    );
    await expect(read).rejects.toMatchObject({ status: 400 });
    // The refused saved cursor restarts the read from the first page, still filtered.
    expect(api.requests.map((r) => [r.query.start, r.query.start_ts !== undefined])).toEqual([
      ['c1', true],
      [undefined, true],
    ]);
  });

  it('reads an unpaged list in one request and applies the table mapping', async () => {
    api = await startFakeApi((req) => {
      if (req.path !== '/v1/info/ip_addresses') throw new Error(req.path);
      return { ip_addresses: ['35.188.196.183', '104.198.177.219'] };
    });
    const pages = await collectPages(
      readTableStream(getDefinition('ip_addresses'), { client: api.client, concurrency: 1 }),
    );
    expect(pages).toEqual([{ rows: [{ id: '35.188.196.183' }, { id: '104.198.177.219' }], position: null }]);
    expect(api.requests[0]?.query).toEqual({});
  });

  it('fails with CIO_ERR_BAD_RESPONSE on a record that is not an object', async () => {
    api = await startFakeApi(() => ({ segments: [{ id: 1, updated_at: 1 }, 'oops'] }));
    const read = collectPages(
      readTableStream(getDefinition('segments'), { client: api.client, concurrency: 1 }),
    );
    await expect(read).rejects.toMatchObject({ code: 'CIO_ERR_BAD_RESPONSE' });
  });
});

describe('readerFor', () => {
  it('picks the code readers for customers and suppressions, the table reader otherwise', () => {
    expect(readerFor(getDefinition('customers'))).toBe(readCustomers);
    expect(readerFor(getDefinition('eps_suppression'))).toBe(readSuppressions);
    expect(readerFor(getDefinition('messages'))).toBe(readTableStream);
    expect(readerFor(getDefinition('ip_addresses'))).toBe(readTableStream);
  });
});
