import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterEach, describe, expect, it } from 'vitest';
import { queryDuckDb } from '../helpers/duckdb.js';
import { scratchDir } from '../helpers/scratch-dir.js';
import { type HostileApi, json, startHostileApi, syncFrom } from './hostile-api.js';

/**
 * Issue 21 item 1: a replication key value that is no sane time (milliseconds where seconds belong,
 * a value past any Date) is loaded as sent, but never moves the bookmark: later updates and new rows
 * keep coming.
 */

const dir = scratchDir('hostile-bookmarks');
let api: HostileApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

const nowSeconds = () => Math.floor(Date.now() / 1000);

async function savedBookmark(file: string): Promise<unknown> {
  const rows = await queryDuckDb(file, "SELECT bookmark FROM _cio_state WHERE stream = 'campaigns'");
  const bookmark = rows[0]?.bookmark;
  return (typeof bookmark === 'string' ? JSON.parse(bookmark) : bookmark) as unknown;
}

describe('a replication key in milliseconds', () => {
  it('loads the row, warns, keeps the bookmark sane, and later rows still load', async () => {
    const file = join(dir, 'millis.duckdb');
    const sent = nowSeconds() - 3600;
    let campaigns: unknown[] = [
      { id: 1, name: 'Seconds', updated: sent - 600 },
      { id: 2, name: 'Millis', updated: sent * 1000 },
    ];
    api = await startHostileApi({ '/v1/campaigns': () => json({ campaigns }) });

    const first = await syncFrom(api, file, ['campaigns']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/1 record\(s\) had a updated that is no time .* move no bookmark/);
    const bookmark = (await savedBookmark(file)) as { replication_key_value?: string };
    expect(Date.parse(String(bookmark.replication_key_value))).toBe((sent - 600) * 1000);

    // An update of the first record and a new record, both after the sane bookmark.
    campaigns = [
      { id: 1, name: 'Seconds, edited', updated: sent + 60 },
      { id: 2, name: 'Millis', updated: sent * 1000 },
      { id: 3, name: 'New', updated: sent + 120 },
    ];
    const second = await syncFrom(api, file, ['campaigns']);
    expect(second.code, second.stderr).toBe(0);
    const rows = await queryDuckDb(file, 'SELECT id::INTEGER AS id, name FROM campaigns ORDER BY id');
    expect(rows).toEqual([
      { id: 1, name: 'Seconds, edited' },
      { id: 2, name: 'Millis' },
      { id: 3, name: 'New' },
    ]);
    const raw = await queryDuckDb(file, 'SELECT updated__raw::VARCHAR AS raw FROM campaigns WHERE id = 2');
    expect(raw).toEqual([{ raw: String(sent * 1000) }]);
  });

  it('a value past any Date fails nothing', async () => {
    const file = join(dir, 'huge.duckdb');
    api = await startHostileApi({
      '/v1/campaigns': () => json({ campaigns: [{ id: 1, name: 'Huge', updated: 9e12 }] }),
    });
    const result = await syncFrom(api, file, ['campaigns']);
    expect(result.code, result.stderr).toBe(0);
    expect(await queryDuckDb(file, 'SELECT id::INTEGER AS id FROM campaigns')).toEqual([{ id: 1 }]);
    const bookmark = (await savedBookmark(file)) as { replication_key_value?: string };
    expect(bookmark.replication_key_value).toBeUndefined();
  });

  it('a saved bookmark in the future (from an older version) is dropped with a warning', async () => {
    const file = join(dir, 'future.duckdb');
    const sent = nowSeconds() - 3600;
    let campaigns: unknown[] = [{ id: 1, name: 'Old', updated: sent }];
    api = await startHostileApi({ '/v1/campaigns': () => json({ campaigns }) });
    expect((await syncFrom(api, file, ['campaigns'])).code).toBe(0);
    // What a version without the check saved after reading milliseconds as seconds.
    const instance = await DuckDBInstance.create(file);
    const connection = await instance.connect();
    await connection.run(
      `UPDATE _cio_state SET bookmark = '{"replication_key":"updated","replication_key_value":"+058897-01-01T00:00:00Z"}' WHERE stream = 'campaigns'`,
    );
    connection.closeSync();
    instance.closeSync();
    campaigns = [{ id: 2, name: 'New', updated: sent + 60 }];
    const result = await syncFrom(api, file, ['campaigns']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/saved bookmark .* lies in the future/);
    expect(await queryDuckDb(file, 'SELECT id::INTEGER AS id FROM campaigns ORDER BY id')).toEqual([
      { id: 1 },
      { id: 2 },
    ]);
  });
});
