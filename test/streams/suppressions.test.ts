import { afterEach, describe, expect, it } from 'vitest';
import { getDefinition } from '../../src/streams/definitions.js';
import { readSuppressions } from '../../src/streams/readers/suppressions.js';
import type { ReadContext } from '../../src/streams/types.js';
import { asWritten } from './helpers/as-written.js';
import { collectPages } from './helpers/collect.js';
import { type FakeApi, type SeenRequest, startFakeApi } from './helpers/fake-api.js';
import { validationErrors } from './helpers/schema-validator.js';

let api: FakeApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

const def = getDefinition('eps_suppression');

function list(type: string, count: number) {
  return Array.from({ length: count }, (_, i) => ({
    email: `${type}-${i}@example.com`,
    created: 1767225600 + i,
    reason: 'Uploaded manually via api.customer.io',
    status: '550',
  }));
}

const LISTS: Record<string, ReturnType<typeof list>> = {
  blocks: list('blocks', 2500),
  bounces: [],
  spam_reports: list('spam', 1000),
  invalid_emails: list('invalid', 10),
};

/** Offset paging as documented: `suppressions: null` past the end. */
function suppressionsApi(lists: Record<string, unknown[]> = LISTS) {
  return (req: SeenRequest) => {
    const type = /^\/v1\/esp\/suppression\/([a-z_]+)$/.exec(req.path)?.[1];
    const records = type === undefined ? undefined : lists[type];
    if (records === undefined) throw new Error(`unknown route ${req.path}`);
    const offset = Number(req.query.offset ?? 0);
    const page = records.slice(offset, offset + Number(req.query.limit ?? 100));
    return { category: type, suppressions: page.length === 0 ? null : page };
  };
}

function ctx(extra: Partial<ReadContext> = {}): ReadContext {
  if (api === undefined) throw new Error('no api');
  return { client: api.client, concurrency: 4, ...extra };
}

function typesOfPages(pages: { rows: Record<string, unknown>[] }[]) {
  return pages.map((p) => [...new Set(p.rows.map((r) => r.suppression_type))].join());
}

describe('readSuppressions', () => {
  it('reads the four lists with offset paging into rows keyed "<type>:<email>"', async () => {
    api = await startFakeApi(suppressionsApi());
    const pages = await collectPages(readSuppressions(def, ctx()));
    const rows = pages.flatMap((p) => p.rows);
    expect(rows).toHaveLength(3510);
    expect(new Set(rows.map((r) => r.id)).size).toBe(3510);
    expect(asWritten(rows.find((r) => r.id === 'spam_reports:spam-3@example.com'))).toEqual({
      id: 'spam_reports:spam-3@example.com',
      suppression_type: 'spam_reports',
      email: 'spam-3@example.com',
      created: '2026-01-01T00:00:03Z',
      reason: 'Uploaded manually via api.customer.io',
      status: '550',
    });
    for (const row of asWritten(rows.slice(0, 50))) expect(validationErrors(def.schema, row)).toEqual([]);
    const blockOffsets = api.requests.filter((r) => r.path.endsWith('/blocks')).map((r) => r.query);
    expect(blockOffsets).toEqual([
      { limit: '1000', offset: '0' },
      { limit: '1000', offset: '1000' },
      { limit: '1000', offset: '2000' },
    ]);
  });

  it('yields pages round-robin over the lists in a fixed order, with positions that cover them', async () => {
    api = await startFakeApi(suppressionsApi());
    const pages = await collectPages(readSuppressions(def, ctx()));
    expect(typesOfPages(pages)).toEqual([
      'blocks',
      '',
      'spam_reports',
      'invalid_emails',
      'blocks',
      '',
      'blocks',
    ]);
    expect(pages.map((p) => p.position)).toEqual([
      { done: [], offsets: { blocks: 1000 } },
      { done: ['bounces'], offsets: { blocks: 1000 } },
      { done: ['bounces'], offsets: { blocks: 1000, spam_reports: 1000 } },
      { done: ['bounces', 'invalid_emails'], offsets: { blocks: 1000, spam_reports: 1000 } },
      { done: ['bounces', 'invalid_emails'], offsets: { blocks: 2000, spam_reports: 1000 } },
      { done: ['bounces', 'spam_reports', 'invalid_emails'], offsets: { blocks: 2000 } },
      null,
    ]);
  });

  it('reads one list after another when concurrency is 1', async () => {
    api = await startFakeApi(suppressionsApi());
    const pages = await collectPages(readSuppressions(def, ctx({ concurrency: 1 })));
    expect(typesOfPages(pages)).toEqual([
      'blocks',
      'blocks',
      'blocks',
      '',
      'spam_reports',
      '',
      'invalid_emails',
    ]);
    expect(pages.flatMap((p) => p.rows)).toHaveLength(3510);
  });

  it('gives the same pages on every run', async () => {
    api = await startFakeApi(suppressionsApi());
    const first = await collectPages(readSuppressions(def, ctx({ concurrency: 2 })));
    const second = await collectPages(readSuppressions(def, ctx({ concurrency: 2 })));
    expect(second).toEqual(first);
  });

  it('resumes from a saved position by reading every list again from the start', async () => {
    api = await startFakeApi(suppressionsApi());
    const resume = { done: ['bounces', 'invalid_emails'], offsets: { blocks: 2000 } };
    const pages = await collectPages(readSuppressions(def, ctx({ resume })));
    expect(pages.flatMap((p) => p.rows)).toHaveLength(3510);
    const requested = api.requests.map((r) => `${r.path.split('/').at(-1)}@${r.query.offset}`);
    expect(requested.sort()).toEqual([
      'blocks@0',
      'blocks@1000',
      'blocks@2000',
      'bounces@0',
      'invalid_emails@0',
      'spam_reports@0',
      'spam_reports@1000',
    ]);
  });

  it('misses no record when suppressions were added to a finished list before the resume', async () => {
    const lists = { ...LISTS, invalid_emails: list('invalid', 12) };
    api = await startFakeApi(suppressionsApi(lists));
    const resume = { done: ['bounces', 'spam_reports', 'invalid_emails'], offsets: { blocks: 2000 } };
    const rows = (await collectPages(readSuppressions(def, ctx({ resume })))).flatMap((p) => p.rows);
    expect(rows.filter((r) => r.suppression_type === 'invalid_emails')).toHaveLength(12);
  });

  it('misses no record of an unfinished list when suppressions were removed before the resume', async () => {
    // The interrupted read committed blocks 0..1999; then the first 300 blocks were removed, so
    // blocks-2000..2299 now sit at offsets 1700..1999, before the saved offset.
    const lists = { ...LISTS, blocks: LISTS.blocks!.slice(300) };
    api = await startFakeApi(suppressionsApi(lists));
    const resume = { done: ['bounces', 'spam_reports', 'invalid_emails'], offsets: { blocks: 2000 } };
    const rows = (await collectPages(readSuppressions(def, ctx({ resume })))).flatMap((p) => p.rows);
    const emails = new Set(rows.map((r) => r.email));
    for (const block of lists.blocks) expect(emails.has(block.email)).toBe(true);
  });

  it.each([{ cursor: 'x' }, { done: ['junk'], offsets: {} }, { done: [], offsets: { blocks: -1 } }])(
    'refuses the saved position %j',
    async (resume) => {
      api = await startFakeApi(suppressionsApi());
      await expect(collectPages(readSuppressions(def, ctx({ resume })))).rejects.toMatchObject({
        code: 'CIO_ERR_STATE',
      });
      expect(api.requests).toEqual([]);
    },
  );

  it('keeps only suppressions created at or after the start date', async () => {
    api = await startFakeApi(suppressionsApi());
    const startDate = new Date((1767225600 + 995) * 1000);
    const rows = (await collectPages(readSuppressions(def, ctx({ startDate })))).flatMap((p) => p.rows);
    // blocks 995..2499, spam 995..999, invalid none
    expect(rows).toHaveLength(1505 + 5);
  });

  it('stops cleanly when the consumer stops early, with fetches still running ahead', async () => {
    api = await startFakeApi(suppressionsApi());
    for await (const page of readSuppressions(def, ctx())) {
      expect(page.rows).toHaveLength(1000);
      break;
    }
    // Reaching here without an unhandled rejection is the point. The client counts what it sends
    // (the server may still be receiving bytes already written): nothing more is sent after the
    // stop, and no more than the four lists' first pages plus one page ahead were asked for.
    const sent = api.client.stats.requests;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(api.client.stats.requests).toBe(sent);
    expect(sent).toBeLessThanOrEqual(5);
  });

  it('fails with the API error of a list, after the pages before it', async () => {
    api = await startFakeApi(suppressionsApi({ blocks: list('blocks', 3), bounces: list('b', 2) }));
    const yielded: string[] = [];
    const read = (async () => {
      for await (const page of readSuppressions(def, ctx())) yielded.push(...typesOfPages([page]));
    })();
    await expect(read).rejects.toMatchObject({ code: 'CIO_ERR_NOT_FOUND' });
    expect(yielded).toEqual(['blocks', 'bounces']);
  });

  it('turns a numeric status into text and refuses records without email', async () => {
    api = await startFakeApi(
      suppressionsApi({
        blocks: [{ email: 'a@example.com', created: 1, status: 550 }],
        bounces: [],
        spam_reports: [],
        invalid_emails: [],
      }),
    );
    const rows = (await collectPages(readSuppressions(def, ctx()))).flatMap((p) => p.rows);
    expect(asWritten(rows)).toEqual([
      {
        id: 'blocks:a@example.com',
        suppression_type: 'blocks',
        email: 'a@example.com',
        created: '1970-01-01T00:00:01Z',
        status: '550',
      },
    ]);
    await api.close();
    api = await startFakeApi(
      suppressionsApi({ blocks: [{ created: 1 }], bounces: [], spam_reports: [], invalid_emails: [] }),
    );
    await expect(collectPages(readSuppressions(def, ctx()))).rejects.toMatchObject({
      code: 'CIO_ERR_BAD_RESPONSE',
    });
  });
});
