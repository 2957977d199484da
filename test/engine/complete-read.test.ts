import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createDatabaseSink, resolveConfig, runSync, type StreamName } from '../../src/index.js';
import { queryDuckDb } from '../helpers/duckdb.js';
import { scratchDir } from '../helpers/scratch-dir.js';
import { type FakeApi, startFakeApi } from '../streams/helpers/fake-api.js';

/**
 * What a complete read saves besides rows, through a real sync into DuckDB against a scripted API.
 * Deletions: a list the API keeps whole (suppressions) was read whole, so any row it no longer lists
 * is deleted, however old; a list the API trims by age (messages) covers only what it served, so
 * rows older than its oldest record have aged out. Bookmarks: the largest value seen, capped at the
 * start of the read only where the read took several requests.
 */
let api: FakeApi | undefined;
const dir = scratchDir('complete-read');
let files = 0;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

const bounce = (email: string, created: number) => ({ email, created, reason: 'r', status: '550' });
const message = (id: string, created: number) => ({ id, created, type: 'email' });

/** Syncs `stream` once per start date (run n is served `serve(n, path)`); returns the DuckDB file. */
async function syncRuns(
  stream: StreamName,
  serve: (run: number, path: string) => unknown,
  startDates: (string | undefined)[],
): Promise<string> {
  let run = 1;
  api = await startFakeApi((req) => {
    if (req.path === '/v1/workspaces') return { workspaces: [] };
    return serve(run, req.path);
  });
  files += 1;
  const file = join(dir, `${files}.duckdb`);
  for (; run <= startDates.length; run++) {
    const startDate = startDates[run - 1];
    const config = resolveConfig({
      flags: {
        access_token: 'test-token',
        base_url: api.url,
        streams: stream,
        // Every read complete: what a complete read saves is under test, not reads of changes.
        full_refresh_days: 0,
        ...(startDate ? { start_date: startDate } : {}),
      },
    });
    const result = await runSync({
      config,
      sink: await createDatabaseSink({ kind: 'duckdb', path: file }),
      selection: [{ name: stream }],
    });
    expect(result.status, JSON.stringify(result.streams)).toBe('succeeded');
  }
  return file;
}

async function syncTwice(
  stream: 'eps_suppression' | 'messages',
  serve: (run: number, path: string) => unknown,
  startDates: [string | undefined, string | undefined] = [undefined, undefined],
): Promise<Record<string, unknown>[]> {
  const file = await syncRuns(stream, serve, startDates);
  return queryDuckDb(file, `SELECT id, _cio_deleted_at IS NOT NULL AS deleted FROM ${stream} ORDER BY id`);
}

async function savedBookmark(file: string, stream: string): Promise<unknown> {
  const rows = await queryDuckDb(
    file,
    `SELECT CAST(bookmark AS VARCHAR) AS b FROM _cio_state WHERE stream = '${stream}'`,
  );
  return (JSON.parse(String(rows[0]?.b)) as { replication_key_value?: unknown }).replication_key_value;
}

describe('rows a complete read no longer sees', () => {
  it('are deleted from a list the API keeps whole, the oldest ones too', async () => {
    const rows = await syncTwice('eps_suppression', (run, path) => {
      if (!path.endsWith('/bounces')) return { suppressions: null };
      const all = [bounce('old@example.com', 1_600_000_000), bounce('new@example.com', 1_700_000_000)];
      return { suppressions: run === 1 ? all : all.slice(1) };
    });
    expect(rows).toEqual([
      { id: 'bounces:new@example.com', deleted: false },
      { id: 'bounces:old@example.com', deleted: true },
    ]);
  });

  it('are kept, not deleted, when older than the start date a list kept whole was read from', async () => {
    const rows = await syncTwice(
      'eps_suppression',
      (_run, path) => {
        if (!path.endsWith('/bounces')) return { suppressions: null };
        const all = [bounce('old@example.com', 1_600_000_000), bounce('new@example.com', 1_700_000_000)];
        return { suppressions: all };
      },
      [undefined, '2022-01-01'],
    );
    expect(rows).toEqual([
      { id: 'bounces:new@example.com', deleted: false },
      { id: 'bounces:old@example.com', deleted: false },
    ]);
  });

  it('have aged out when older than everything a list the API trims by age still serves', async () => {
    const rows = await syncTwice('messages', (run) => {
      const newest = message('m-new', 1_700_000_000);
      const middle = message('m-mid', 1_650_000_000);
      const older = message('m-older', 1_620_000_000);
      const oldest = message('m-old', 1_600_000_000);
      // Run 2: the oldest has aged out of the API, and the middle one was deleted.
      return { messages: run === 1 ? [newest, middle, older, oldest] : [newest, older], next: '' };
    });
    expect(rows).toEqual([
      { id: 'm-mid', deleted: true },
      { id: 'm-new', deleted: false },
      { id: 'm-old', deleted: false },
      { id: 'm-older', deleted: false },
    ]);
  });
});

describe('the bookmark a complete read saves', () => {
  /** The server's clock a little ahead of ours: within the skew a bookmark allows. */
  const soonAhead = () => Math.floor(Date.now() / 1000) + 600;
  const FAR_FUTURE = 4_102_444_800; // 2100-01-01: no sane time, it moves no bookmark

  it('is the largest value seen for a list that comes in one answer, even a little ahead of our clock', async () => {
    const ahead = soonAhead();
    const file = await syncRuns(
      'broadcasts',
      () => ({
        broadcasts: [
          { id: 1, updated: 1_700_000_000 },
          { id: 2, updated: ahead },
          { id: 3, updated: FAR_FUTURE },
        ],
      }),
      [undefined],
    );
    expect(await savedBookmark(file, 'broadcasts')).toBe(
      new Date(ahead * 1000).toISOString().replace('.000Z', 'Z'),
    );
  });

  it('stops at the start of the read for a list read in several pages', async () => {
    const before = Date.now();
    const file = await syncRuns(
      'newsletters',
      () => ({ newsletters: [{ id: 1, updated: soonAhead() }], next: '' }),
      [undefined],
    );
    const saved = Date.parse(String(await savedBookmark(file, 'newsletters')));
    expect(saved).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect(saved).toBeLessThanOrEqual(Date.now());
  });
});
