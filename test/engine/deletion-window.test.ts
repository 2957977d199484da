import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createDatabaseSink, resolveConfig, runSync } from '../../src/index.js';
import { queryDuckDb } from '../helpers/duckdb.js';
import { scratchDir } from '../helpers/scratch-dir.js';
import { type FakeApi, startFakeApi } from '../streams/helpers/fake-api.js';

/**
 * Which unseen rows a complete read marks deleted: a list the API keeps whole (suppressions) was
 * read whole, so any row it no longer lists is deleted, however old; a list the API trims by age
 * (messages) covers only what it served, so rows older than its oldest record have aged out.
 */
let api: FakeApi | undefined;
const dir = scratchDir('deletion');
let files = 0;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

const bounce = (email: string, created: number) => ({ email, created, reason: 'r', status: '550' });
const message = (id: string, created: number) => ({ id, created, type: 'email' });

async function syncTwice(
  stream: 'eps_suppression' | 'messages',
  serve: (run: number, path: string) => unknown,
  startDates: [string | undefined, string | undefined] = [undefined, undefined],
): Promise<Record<string, unknown>[]> {
  let run = 1;
  api = await startFakeApi((req) => {
    if (req.path === '/v1/workspaces') return { workspaces: [] };
    return serve(run, req.path);
  });
  files += 1;
  const file = join(dir, `${files}.duckdb`);
  for (; run <= 2; run++) {
    const startDate = startDates[run - 1];
    const config = resolveConfig({
      flags: {
        access_token: 'test-token',
        base_url: api.url,
        streams: stream,
        ...(startDate ? { start_date: startDate } : {}),
      },
    });
    const result = await runSync({
      config,
      sink: await createDatabaseSink(`duckdb:${file}`, 'public'),
      selection: [{ name: stream }],
    });
    expect(result.status, JSON.stringify(result.streams)).toBe('succeeded');
  }
  const table = stream === 'messages' ? 'messages' : 'eps_suppression';
  return queryDuckDb(file, `SELECT id, _cio_deleted_at IS NOT NULL AS deleted FROM ${table} ORDER BY id`);
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
