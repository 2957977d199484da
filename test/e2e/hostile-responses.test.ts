import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
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
  it('an attributes answer without "customers" fails the customers table instead of dropping its people', async () => {
    const file = join(dir, 'no-customers-key.duckdb');
    const people = [
      { cio_id: 'a1', id: 'u1', email: 'one@example.com' },
      { cio_id: 'a2', id: 'u2', email: 'two@example.com' },
    ];
    const attributes = () =>
      json({
        customers: people.map((p) => ({
          customer: { id: p.id, identifiers: p, attributes: { plan: 'pro' } },
        })),
      });
    api = await startHostileApi({
      '/v1/customers': () => json({ identifiers: people, ids: ['u1', 'u2'], next: '' }),
      '/v1/customers/attributes': attributes,
    });
    const good = await syncFrom(api, file, ['customers']);
    expect(good.code, good.stderr).toBe(0);
    api.route('/v1/customers/attributes', () => json({}));
    const bad = await syncFrom(api, file, ['customers']);
    expect(bad.code, bad.stderr).toBe(1);
    expect(bad.stderr).toContain('the body has no "customers"');
    const live = await queryDuckDb(
      file,
      'SELECT count(*)::INTEGER AS n FROM customers WHERE _cio_deleted_at IS NULL',
    );
    expect(live).toEqual([{ n: 2 }]);
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

describe('resume state that no longer works', () => {
  const NEWSLETTERS = [
    { id: 1, name: 'One', created: 1_700_000_000, updated: 1_700_000_000 },
    { id: 2, name: 'Two', created: 1_700_000_000, updated: 1_700_000_000 },
    { id: 3, name: 'Three', created: 1_700_000_000, updated: 1_700_000_000 },
  ];

  /** A run that commits the first page, then fails on the cursor it was given: state keeps `c1`. */
  async function interruptedRead(file: string): Promise<HostileApi> {
    const server = await startHostileApi({
      '/v1/newsletters': (req) =>
        req.query.get('start') === null
          ? json({ newsletters: NEWSLETTERS.slice(0, 2), next: 'c1' })
          : json({ errors: [{ detail: 'start is invalid', status: '400' }] }, 400),
      '/v1/subscription_topics': () => json({ topics: TOPICS }),
    });
    const first = await syncFrom(server, file, ['newsletters']);
    expect(first.code, first.stderr).toBe(1);
    const saved = await queryDuckDb(
      file,
      "SELECT bookmark::VARCHAR AS b FROM _cio_state WHERE stream = 'newsletters'",
    );
    expect(JSON.parse(String(saved[0]?.b)).resume.position).toEqual({ cursor: 'c1' });
    return server;
  }

  it('a saved cursor the API now refuses restarts the read from the first page, with a warning', async () => {
    const file = join(dir, 'refused-cursor.duckdb');
    api = await interruptedRead(file);
    // The list is now one page; the saved cursor is still refused.
    api.route('/v1/newsletters', (req) =>
      req.query.get('start') === null
        ? json({ newsletters: NEWSLETTERS })
        : json({ errors: [{ detail: 'start is invalid', status: '400' }] }, 400),
    );
    const before = api.requests.length;
    const run = await syncFrom(api, file, ['newsletters']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('the API refused the saved page position');
    const starts = api.requests
      .slice(before)
      .filter((r) => r.path === '/v1/newsletters')
      .map((r) => r.query.get('start'));
    expect(starts).toEqual(['c1', null]);
    expect(await queryDuckDb(file, 'SELECT id::INTEGER AS id FROM newsletters ORDER BY id')).toEqual([
      { id: 1 },
      { id: 2 },
      { id: 3 },
    ]);
  });

  it('an unreadable read_started_at fails that table with CIO_ERR_STATE and the reset command; others load', async () => {
    const file = join(dir, 'garbage-state.duckdb');
    api = await interruptedRead(file);
    await tamper(
      file,
      `UPDATE _cio_state SET bookmark = '{"resume":{"read_started_at":"garbage","position":{"cursor":"c1"}}}' WHERE stream = 'newsletters'`,
    );
    const run = await syncFrom(api, file, ['newsletters', 'topics']);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toContain('CIO_ERR_STATE');
    expect(run.stderr).toContain('resume.read_started_at is "garbage"');
    expect(run.stderr).toContain('cio-sync state reset --streams newsletters');
    expect(run.stderr).not.toContain('CIO_ERR_INTERNAL');
    expect(await queryDuckDb(file, 'SELECT count(*)::INTEGER AS n FROM topics')).toEqual([{ n: 2 }]);

    const reset = await runCli([
      'state',
      'reset',
      '--streams',
      'newsletters',
      '--destination',
      `duckdb:${file}`,
    ]);
    expect(reset.code, reset.stderr).toBe(0);
    api.route('/v1/newsletters', () => json({ newsletters: NEWSLETTERS }));
    const again = await syncFrom(api, file, ['newsletters']);
    expect(again.code, again.stderr).toBe(0);
    expect(await queryDuckDb(file, 'SELECT count(*)::INTEGER AS n FROM newsletters')).toEqual([{ n: 3 }]);
  });
});

async function tamper(file: string, sql: string): Promise<void> {
  const instance = await DuckDBInstance.create(file);
  const connection = await instance.connect();
  try {
    await connection.run(sql);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}
