import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { queryDuckDb } from '../helpers/duckdb.js';
import { scratchDir } from '../helpers/scratch-dir.js';
import { type HostileApi, json, startHostileApi, syncFrom } from './hostile-api.js';

/**
 * Hostile answers from a local API (issue 21): a body without the records, hostile field names.
 * Each ends in a clear failure of that table alone, or in exact data; never in silent loss.
 */

const dir = scratchDir('hostile');
let api: HostileApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

const TOPICS = [
  { id: 1, name: 'Product news', identifier: 'topic_1' },
  { id: 2, name: 'Offers', identifier: 'topic_2' },
];
const CAMPAIGNS = [{ id: 7, name: 'Welcome', created: 1_700_000_000, updated: 1_700_000_000 }];

describe('a 200 without the records key', () => {
  it.each([
    ['an empty object', {}],
    ['an error envelope', { errors: [{ detail: 'upstream timeout', status: '504' }] }],
  ])('%s fails the table, keeps every row, and the other tables load', async (_name, body) => {
    const file = join(dir, `no-records-${_name.replace(/ /g, '-')}.duckdb`);
    api = await startHostileApi({
      '/v1/subscription_topics': () => json({ topics: TOPICS }),
      '/v1/campaigns': () => json({ campaigns: CAMPAIGNS }),
    });
    const good = await syncFrom(api, file, ['topics']);
    expect(good.code, good.stderr).toBe(0);

    api.route('/v1/subscription_topics', () => json(body));
    const bad = await syncFrom(api, file, ['topics', 'campaigns']);
    expect(bad.code, bad.stderr).toBe(1);
    expect(bad.stderr).toContain('CIO_ERR_BAD_RESPONSE');
    expect(bad.stderr).toContain('without "topics"');

    const topics = await queryDuckDb(
      file,
      'SELECT id::INTEGER AS id, _cio_deleted_at FROM topics ORDER BY id',
    );
    expect(topics).toEqual([
      { id: 1, _cio_deleted_at: null },
      { id: 2, _cio_deleted_at: null },
    ]);
    const columns = await queryDuckDb(
      file,
      "SELECT column_name FROM information_schema.columns WHERE table_name = 'topics' AND column_name IN ('detail', 'status')",
    );
    expect(columns).toEqual([]);
    expect(await queryDuckDb(file, 'SELECT id::INTEGER AS id FROM campaigns')).toEqual([{ id: 7 }]);
  });

  it.each([
    ['an empty list', { topics: [] }],
    ['a null list', { topics: null }],
  ])('%s is a table that is really empty now: its rows are marked deleted', async (_name, body) => {
    const file = join(dir, `empty-${_name.replace(/ /g, '-')}.duckdb`);
    api = await startHostileApi({ '/v1/subscription_topics': () => json({ topics: TOPICS }) });
    expect((await syncFrom(api, file, ['topics'])).code).toBe(0);
    api.route('/v1/subscription_topics', () => json(body));
    const run = await syncFrom(api, file, ['topics']);
    expect(run.code, run.stderr).toBe(0);
    const live = await queryDuckDb(
      file,
      'SELECT count(*)::INTEGER AS n FROM topics WHERE _cio_deleted_at IS NULL',
    );
    expect(live).toEqual([{ n: 0 }]);
  });
});

describe('fields named like Object.prototype members', () => {
  it('are ordinary columns, and rows without them get nothing invented', async () => {
    const file = join(dir, 'prototype-names.duckdb');
    // Written by hand: a JavaScript literal cannot carry "__proto__" as a plain key.
    const body =
      '{"campaigns":[' +
      '{"id":1,"name":"plain","updated":1700000000},' +
      '{"id":2,"name":"hostile","updated":1700000000,"constructor":"made","toString":"text","__proto__":{"polluted":true}},' +
      '{"id":3,"name":"plain again","updated":1700000000}' +
      ']}';
    api = await startHostileApi({ '/v1/campaigns': () => ({ body }) });
    const run = await syncFrom(api, file, ['campaigns']);
    expect(run.code, run.stderr).toBe(0);
    const rows = await queryDuckDb(
      file,
      'SELECT id::INTEGER AS id, "constructor", "toString", "__proto__"::VARCHAR AS proto FROM campaigns ORDER BY id',
    );
    expect(rows).toEqual([
      { id: 1, constructor: null, toString: null, proto: null },
      { id: 2, constructor: 'made', toString: 'text', proto: '{"polluted":true}' },
      { id: 3, constructor: null, toString: null, proto: null },
    ]);
    const columns = await queryDuckDb(
      file,
      "SELECT column_name FROM information_schema.columns WHERE table_name = 'campaigns' AND (column_name LIKE '%__raw' OR column_name = 'polluted')",
    );
    expect(columns).toEqual([]);
  });
});

describe('responses too large to hold', () => {
  /** Valid JSON of `bytes` bytes, nearly all whitespace: 100 MiB of it gzips to about 100 KB. */
  const padded = (bytes: number) => `{"campaigns":[${' '.repeat(bytes)}]}`;

  it('a small gzip body inflating past the default 64 MiB fails its table once, not retried; others load', async () => {
    const file = join(dir, 'gzip-bomb.duckdb');
    const bomb = gzipSync(padded(100 * 1024 * 1024));
    api = await startHostileApi({
      '/v1/campaigns': () => ({ headers: { 'content-encoding': 'gzip' }, body: bomb }),
      '/v1/subscription_topics': () => json({ topics: TOPICS }),
    });
    const run = await syncFrom(api, file, ['campaigns', 'topics']);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toContain('max_response_bytes');
    expect(run.stderr).toContain('once decompressed');
    expect(api.requests.filter((r) => r.path === '/v1/campaigns')).toHaveLength(1);
    expect(await queryDuckDb(file, 'SELECT count(*)::INTEGER AS n FROM topics')).toEqual([{ n: 2 }]);
  });

  it('a body larger than --max-response-bytes fails its table with the setting named', async () => {
    const file = join(dir, 'too-large.duckdb');
    const records = Array.from({ length: 20_000 }, (_, i) => ({ id: i + 1, name: `campaign ${i + 1}` }));
    api = await startHostileApi({ '/v1/campaigns': () => json({ campaigns: records }) });
    const run = await syncFrom(api, file, ['campaigns'], ['--max-response-bytes', '100000']);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toContain('larger than 100000 bytes, the max_response_bytes setting');
    expect(api.requests.filter((r) => r.path === '/v1/campaigns')).toHaveLength(1);

    const roomy = await syncFrom(api, file, ['campaigns'], ['--max-response-bytes', '10000000']);
    expect(roomy.code, roomy.stderr).toBe(0);
    expect(await queryDuckDb(file, 'SELECT count(*)::INTEGER AS n FROM campaigns')).toEqual([{ n: 20_000 }]);
  });
});
