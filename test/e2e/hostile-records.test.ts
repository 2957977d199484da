import { createHash } from 'node:crypto';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { SingerCatalog } from '../../src/protocols/singer/singer-catalog.js';
import { runCli } from '../helpers/cli.js';
import { duckdbDestination, postgresDestination, type TestDestination } from '../helpers/destinations.js';
import { scratchDir } from '../helpers/scratch-dir.js';
import { runProtocol, scratch } from '../protocols/helpers/protocol-cli.js';
import { type HostileApi, json, startHostileApi } from './hostile-api.js';

/**
 * One bad record among good ones (issue 21, item 2): it never fails the run. A value with a storable
 * form is stored in it; a record that cannot be stored as it is lands in `_cio_rejected_records`,
 * committed with its batch; the table and every other table complete, and the run exits 0.
 */

const dir = scratchDir('hostile-records');
let api: HostileApi | undefined;
const destinations: TestDestination[] = [];
afterEach(async () => {
  await api?.close();
  api = undefined;
});
afterAll(async () => {
  for (const destination of destinations) await destination.cleanup();
});

let made = 0;
/** The schema each destination's tables are in, for questions to information_schema. */
const schemaOf = new Map<TestDestination, string>();
function destinationFor(engine: 'duckdb' | 'postgres'): TestDestination {
  made += 1;
  const schema = engine === 'duckdb' ? 'main' : `e2e_rejects_${process.pid}_${made}`;
  const destination =
    engine === 'duckdb' ? duckdbDestination(dir, `records-${made}`) : postgresDestination(schema);
  destinations.push(destination);
  schemaOf.set(destination, schema);
  return destination;
}

/** The names of the campaigns table's columns matching the SQL pattern `like`. */
async function campaignColumns(destination: TestDestination, like: string): Promise<string[]> {
  const rows = await destination.query(
    `SELECT column_name FROM information_schema.columns
     WHERE table_schema = '${schemaOf.get(destination)}' AND table_name = 'campaigns' AND column_name LIKE '${like}'`,
  );
  return rows.map((row) => String(row.column_name));
}

const TOPICS = [
  { id: 1, name: 'Product news', identifier: 'topic_1' },
  { id: 2, name: 'Offers', identifier: 'topic_2' },
];
const GOOD = { id: 1, name: 'Welcome', created: 1_700_000_000, updated: 1_700_000_000 };

/** Builds a value nested `depth` arrays deep. */
function nested(depth: number): unknown {
  let value: unknown = 'bottom';
  for (let level = 0; level < depth; level++) value = [value];
  return value;
}

function manyFields(count: number): Record<string, number> {
  return Object.fromEntries(Array.from({ length: count }, (_, index) => [`field_${index}`, index]));
}

async function sync(api: HostileApi, destination: TestDestination) {
  return runCli(
    [
      'sync',
      '--base-url',
      api.url,
      ...destination.args,
      '--max-requests-per-second',
      '1000',
      '--streams',
      'campaigns,topics',
    ],
    { env: { CIO_ACCESS_TOKEN: api.token } },
  );
}

async function campaignIds(destination: TestDestination): Promise<number[]> {
  const rows = await destination.query(
    `SELECT CAST(id AS INTEGER) AS id FROM ${destination.table('campaigns')} ORDER BY id`,
  );
  return rows.map((row) => Number(row.id));
}

async function rejected(destination: TestDestination) {
  return destination.query(
    `SELECT table_name, record_key, reason, record, CAST(first_seen_at AS VARCHAR) AS first_seen, CAST(last_seen_at AS VARCHAR) AS last_seen
     FROM ${destination.table('_cio_rejected_records')} ORDER BY record_key`,
  );
}

/** Runs the sync twice, each time expecting exit 0 with the other table and the good rows loaded. */
async function syncTwiceAndExpectLoaded(
  destination: TestDestination,
  campaigns: unknown[],
  goodIds: number[],
) {
  api = await startHostileApi({
    '/v1/campaigns': () => json({ campaigns }),
    '/v1/subscription_topics': () => json({ topics: TOPICS }),
  });
  for (let attempt = 0; attempt < 2; attempt++) {
    const run = await sync(api, destination);
    expect(run.code, run.stderr).toBe(0);
    expect(await campaignIds(destination)).toEqual(goodIds);
    const topics = await destination.query(`SELECT count(*) AS n FROM ${destination.table('topics')}`);
    expect(Number(topics[0]?.n)).toBe(2);
  }
}

describe.each(['duckdb', 'postgres'] as const)('one bad record into %s', (engine) => {
  it('a null or missing primary key: the record is rejected once, seen twice, and the rest load', async () => {
    const destination = destinationFor(engine);
    const bad = { id: null, name: 'keyless', updated: 1_700_000_000 };
    const missing = { name: 'no id at all', updated: 1_700_000_000 };
    await syncTwiceAndExpectLoaded(destination, [GOOD, bad, missing], [1]);
    const rows = await rejected(destination);
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      expect(row.table_name).toBe('campaigns');
      expect(row.record_key).toMatch(/^sha256:/);
      expect(String(row.reason)).toContain('primary key');
      expect(row.first_seen).not.toBe(row.last_seen);
    }
    expect(rows.map((row) => JSON.parse(String(row.record)).name).sort()).toEqual([
      'keyless',
      'no id at all',
    ]);
    const runs = await destination.query(
      `SELECT CAST(streams AS VARCHAR) AS streams, status FROM ${destination.table('_cio_sync_runs')} ORDER BY started_at`,
    );
    expect(runs.map((run) => run.status)).toEqual(['succeeded', 'succeeded']);
    expect(JSON.parse(String(runs[1]?.streams)).campaigns.rejected).toBe(2);
  });

  it('a primary key of the wrong kind is rejected with its key', async () => {
    const destination = destinationFor(engine);
    const bad = { id: { nested: 1 }, name: 'object key', updated: 1_700_000_000 };
    await syncTwiceAndExpectLoaded(destination, [GOOD, bad], [1]);
    const rows = await rejected(destination);
    expect(rows.map((row) => [row.record_key, JSON.parse(String(row.record)).name])).toEqual([
      ['[{"nested":1}]', 'object key'],
    ]);
  });

  it('a NUL byte in a field name: the field gets a storable column name and keeps its value', async () => {
    const destination = destinationFor(engine);
    const bad = { id: 2, name: 'nul name', updated: 1_700_000_000, 'bad\u0000name': 'kept' };
    await syncTwiceAndExpectLoaded(destination, [GOOD, bad], [1, 2]);
    const columns = await campaignColumns(destination, 'bad%');
    expect(columns).toHaveLength(1);
    const column = String(columns[0]);
    // PostgreSQL text (and so its column map) cannot hold U+0000: the name carries U+FFFD there.
    if (engine === 'postgres') expect(column).toBe('bad\uFFFDname');
    else expect(column).toMatch(/^badname_[0-9a-f]{8}$/);
    const values = await destination.query(
      `SELECT "${column}" AS v FROM ${destination.table('campaigns')} WHERE CAST(id AS INTEGER) = 2`,
    );
    expect(values).toEqual([{ v: 'kept' }]);
  });

  it('a lone surrogate inside nested JSON: the row loads (PostgreSQL: the character replaced)', async () => {
    const destination = destinationFor(engine);
    const bad = {
      id: 2,
      name: 'surrogate',
      updated: 1_700_000_000,
      extra: { note: 'a\udc00b', 'k\ud800': 1 },
    };
    await syncTwiceAndExpectLoaded(destination, [GOOD, bad], [1, 2]);
    const values = await destination.query(
      `SELECT CAST(extra AS VARCHAR) AS v FROM ${destination.table('campaigns')} WHERE CAST(id AS INTEGER) = 2`,
    );
    const expected =
      engine === 'postgres' ? { note: 'a\ufffdb', 'k\ufffd': 1 } : { note: 'a\udc00b', 'k\ud800': 1 };
    expect(JSON.parse(String(values[0]?.v))).toEqual(expected);
  });

  it('a year-0 timestamp: the row loads and the value is kept in the __raw column', async () => {
    const destination = destinationFor(engine);
    const bad = { id: 2, name: 'year zero', created: -62_167_219_200, updated: 1_700_000_000 };
    await syncTwiceAndExpectLoaded(destination, [GOOD, bad], [1, 2]);
    const values = await destination.query(
      `SELECT created, CAST(created__raw AS VARCHAR) AS raw FROM ${destination.table('campaigns')} WHERE CAST(id AS INTEGER) = 2`,
    );
    expect(values).toEqual([{ created: null, raw: '-62167219200' }]);
  });

  it('nesting 1,500 levels deep: the row loads with the value intact', async () => {
    const destination = destinationFor(engine);
    const bad = { id: 2, name: 'deep', updated: 1_700_000_000, deep: nested(1500) };
    await syncTwiceAndExpectLoaded(destination, [GOOD, bad], [1, 2]);
    const values = await destination.query(
      `SELECT CAST(deep AS VARCHAR) AS v FROM ${destination.table('campaigns')} WHERE CAST(id AS INTEGER) = 2`,
    );
    expect(JSON.parse(String(values[0]?.v))).toEqual(nested(1500));
  });

  it('more fields than the table may have columns: the extra ones go to one overflow column', async () => {
    const destination = destinationFor(engine);
    const bad = { id: 2, name: 'wide', updated: 1_700_000_000, ...manyFields(1700) };
    await syncTwiceAndExpectLoaded(destination, [GOOD, bad], [1, 2]);
    const count = (await campaignColumns(destination, '%')).length;
    expect(count).toBe(1000);
    const values = await destination.query(
      `SELECT CAST(_cio_overflow AS VARCHAR) AS overflow FROM ${destination.table('campaigns')} ORDER BY id`,
    );
    expect(values[0]?.overflow).toBeNull();
    const overflow = JSON.parse(String(values[1]?.overflow)) as Record<string, number>;
    expect(overflow.field_1699).toBe(1699);
    // Every field is somewhere: a column of its own or the overflow column.
    expect(Object.keys(overflow).length + count).toBeGreaterThanOrEqual(1700 + 3);
  });
});

describe('a row the engine refuses for its size', () => {
  it('fails its table alone (exit 1, CIO_ERR_DESTINATION_DATA): the destination works, the other tables load', async () => {
    const destination = destinationFor('postgres');
    // 900 text values of 40 incompressible bytes: a row of 36 KB, more than PostgreSQL's 8 KB page.
    const wide = Object.fromEntries(
      Array.from({ length: 900 }, (_, index) => [
        `text_${index}`,
        createHash('sha256').update(String(index)).digest('hex').slice(0, 40),
      ]),
    );
    api = await startHostileApi({
      '/v1/campaigns': () =>
        json({ campaigns: [GOOD, { id: 2, name: 'too wide', updated: 1_700_000_000, ...wide }] }),
      '/v1/subscription_topics': () => json({ topics: TOPICS }),
    });
    const run = await sync(api, destination);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toContain('CIO_ERR_DESTINATION_DATA');
    const topics = await destination.query(`SELECT count(*) AS n FROM ${destination.table('topics')}`);
    expect(Number(topics[0]?.n)).toBe(2);
    const runs = await destination.query(`SELECT status FROM ${destination.table('_cio_sync_runs')}`);
    expect(runs).toEqual([{ status: 'failed' }]);
  });
});

describe('a record without a key in Singer output', () => {
  it('is skipped with a warning naming the reason; the other records and the state are emitted, exit 0', async () => {
    const files = scratch();
    try {
      api = await startHostileApi({
        '/v1/campaigns': () =>
          json({ campaigns: [GOOD, { id: null, name: 'keyless', updated: 1_700_000_000 }] }),
      });
      const config = files.file('config.json', {
        api_key: api.token,
        base_url: api.url,
        max_requests_per_second: 1000,
      });
      const discovered = await runProtocol(['tap', '--config', config, '--discover']);
      expect(discovered.code, discovered.stderr).toBe(0);
      const catalog = JSON.parse(discovered.stdout) as SingerCatalog;
      for (const entry of catalog.streams) {
        for (const item of entry.metadata) {
          if (item.breadcrumb.length === 0) item.metadata.selected = entry.tap_stream_id === 'campaigns';
        }
      }
      const run = await runProtocol([
        'tap',
        '--config',
        config,
        '--catalog',
        files.file('catalog.json', catalog),
      ]);
      expect(run.code, run.stderr).toBe(0);
      const records = run.messages.filter((message) => message.type === 'RECORD');
      expect(records.map((message) => (message.record as { id: unknown }).id)).toEqual([1]);
      expect(run.messages.some((message) => message.type === 'STATE')).toBe(true);
      expect(run.stderr).toContain('primary key field "id" is null');
      expect(run.stderr).toContain('1 record(s) could not be stored as they are and were skipped');
    } finally {
      files.remove();
    }
  });
});

describe('a record without a key in Airbyte output', () => {
  it('is skipped with a WARN log message naming the reason; the others and the state are emitted, exit 0', async () => {
    const files = scratch();
    try {
      api = await startHostileApi({
        '/v1/campaigns': () =>
          json({ campaigns: [GOOD, { id: null, name: 'keyless', updated: 1_700_000_000 }] }),
      });
      const config = files.file('config.json', {
        access_token: api.token,
        base_url: api.url,
        max_requests_per_second: 1000,
      });
      const discovered = await runProtocol(['airbyte', 'discover', '--config', config]);
      expect(discovered.code, discovered.stderr).toBe(0);
      const streams = discovered.messages.flatMap(
        (message) =>
          (message.catalog as { streams?: { name: string; source_defined_primary_key: unknown }[] })
            ?.streams ?? [],
      );
      const campaigns = streams.find((stream) => stream.name === 'campaigns');
      const configured = {
        streams: [
          {
            stream: campaigns,
            sync_mode: 'full_refresh',
            destination_sync_mode: 'overwrite',
            primary_key: campaigns?.source_defined_primary_key,
          },
        ],
      };
      const run = await runProtocol([
        'airbyte',
        'read',
        '--config',
        config,
        '--catalog',
        files.file('catalog.json', configured),
      ]);
      expect(run.code, run.stderr).toBe(0);
      const records = run.messages.filter((message) => message.type === 'RECORD');
      expect(records.map((message) => (message.record as { data: { id: unknown } }).data.id)).toEqual([1]);
      expect(run.messages.some((message) => message.type === 'STATE')).toBe(true);
      const warnings = run.messages
        .filter((message) => message.type === 'LOG')
        .map((message) => message.log as { level: string; message: string })
        .filter((log) => log.level === 'WARN')
        .map((log) => log.message);
      expect(warnings.some((text) => text.includes('primary key field "id" is null'))).toBe(true);
    } finally {
      files.remove();
    }
  });
});
