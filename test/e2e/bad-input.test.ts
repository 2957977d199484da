import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseStartDate } from '../../src/config/dates.js';
import { isCioError } from '../../src/core/errors.js';
import { type Simulator, startSimulator } from '../../src/sim/index.js';
import { runCli } from '../helpers/cli.js';
import { queryDuckDb } from '../helpers/duckdb.js';
import { scratchDir } from '../helpers/scratch-dir.js';

/**
 * The bad-input catalogue: every input a person or a scheduler can get wrong, run through the
 * built CLI as a child process. Each must end with exit code 2, one actionable line on stderr,
 * nothing sent to the API and nothing written: an existing destination keeps every byte (its rows
 * and saved state), and no new file appears.
 */

interface Case {
  name: string;
  /** The command line; `c` knows the scratch folder, the simulator and how to write input files. */
  args: (c: CaseContext) => string[];
  env?: (c: CaseContext) => Record<string, string>;
  /** What the one line on stderr must say. */
  message: RegExp;
  /** Start from a destination that already holds a sync's rows and state (default true for sync). */
  existingDestination?: boolean;
}

interface CaseContext {
  dir: string;
  sim: Simulator;
  /** `duckdb:<file>` inside the scratch folder. */
  destination: string;
  file(name: string, content: unknown): string;
  /** A config file that works (token, simulator, a fast rate) merged with `extra`. */
  config(extra?: Record<string, unknown>): string;
}

let base: Simulator;
const root = scratchDir('bad-input');
/** A DuckDB file with rows and `_cio_state` from a real sync: copied in front of each case. */
let loadedDb: string;

const CATALOG = {
  streams: [{ stream: { name: 'campaigns' }, sync_mode: 'incremental', destination_sync_mode: 'append' }],
};

function syncArgs(c: CaseContext, ...extra: string[]): string[] {
  return ['sync', '--base-url', c.sim.url, '--destination', c.destination, ...extra];
}

function tokenEnv(c: CaseContext): Record<string, string> {
  return { CIO_ACCESS_TOKEN: c.sim.token };
}

const tomorrow = new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10);

const SYNC_CASES: Case[] = [
  {
    name: 'no token anywhere',
    args: (c) => syncArgs(c),
    env: () => ({}),
    message: /access_token is missing.*CIO_ACCESS_TOKEN/,
  },
  {
    name: 'an empty --access-token',
    args: (c) => syncArgs(c, '--access-token', ''),
    env: () => ({}),
    message: /access_token is missing/,
  },
  {
    name: 'a token of only whitespace in the environment',
    args: (c) => syncArgs(c),
    env: () => ({ CIO_ACCESS_TOKEN: '  \t ' }),
    message: /access_token is (missing|empty)/,
  },
  {
    name: 'a token that is not a string in the config file',
    args: (c) => ['sync', '--config', c.config({ access_token: 12345 }), '--destination', c.destination],
    env: () => ({}),
    message: /access_token/,
  },
  {
    name: 'an unknown region',
    args: (c) => syncArgs(c, '--region', 'mars'),
    message: /region "mars" is unknown\. Use "us" or "eu"/,
  },
  {
    name: 'an unknown region in the environment',
    args: (c) => syncArgs(c),
    env: (c) => ({ ...tokenEnv(c), CIO_REGION: 'eu-west-1' }),
    message: /region "eu-west-1" is unknown/,
  },
  {
    name: 'start date 13/45/2020',
    args: (c) => syncArgs(c, '--start-date', '13/45/2020'),
    message: /start_date "13\/45\/2020" is not a valid date.*MM\/DD\/YYYY/,
  },
  {
    name: 'start date 02/30/2021 (no such day)',
    args: (c) => syncArgs(c, '--start-date', '02/30/2021'),
    message: /start_date "02\/30\/2021".*does not exist/,
  },
  {
    name: 'start date 2021-13-01 (no such month)',
    args: (c) => syncArgs(c, '--start-date', '2021-13-01'),
    message: /start_date "2021-13-01" is not a valid date/,
  },
  {
    name: 'start date written day-first, 31/12/2020',
    args: (c) => syncArgs(c, '--start-date', '31/12/2020'),
    message: /start_date "31\/12\/2020" is not a valid date/,
  },
  {
    name: 'start date "yesterday"',
    args: (c) => syncArgs(c, '--start-date', 'yesterday'),
    message: /start_date "yesterday" is not a valid date \(unknown format\)/,
  },
  {
    name: 'start date with an impossible time, 2021-01-01T25:61:00Z',
    args: (c) => syncArgs(c, '--start-date', '2021-01-01T25:61:00Z'),
    message: /start_date "2021-01-01T25:61:00Z" is not a valid date/,
  },
  {
    name: 'start date before Unix time, 1969-12-31',
    args: (c) => syncArgs(c, '--start-date', '1969-12-31'),
    message: /start_date "1969-12-31".*before 1970/,
  },
  {
    name: 'a start date in the future',
    args: (c) => syncArgs(c, '--start-date', tomorrow),
    message: /start_date ".*" is in the future/,
  },
  {
    name: 'an unknown table name',
    args: (c) => syncArgs(c, '--streams', 'campaigns,nope'),
    message: /unknown table\(s\): nope\. Known tables: broadcasts/,
  },
  {
    name: 'a table name in the wrong case',
    args: (c) => syncArgs(c, '--streams', 'CAMPAIGNS'),
    message: /unknown table\(s\): CAMPAIGNS/,
  },
  {
    name: 'an empty list of tables',
    args: (c) => syncArgs(c, '--streams', ' , '),
    message: /streams is empty/,
  },
  {
    name: 'a config file that is not valid JSON',
    args: (c) => [
      'sync',
      '--config',
      c.file('config.json', '{"access_token": "x",}'),
      '--destination',
      c.destination,
    ],
    message: /config\.json is not valid JSON/,
  },
  {
    name: 'a config file that holds a list, not settings',
    args: (c) => [
      'sync',
      '--config',
      c.file('config.json', '["access_token"]'),
      '--destination',
      c.destination,
    ],
    message: /must hold a JSON object of settings/,
  },
  {
    name: 'a config file that does not exist',
    args: (c) => ['sync', '--config', join(c.dir, 'missing.json'), '--destination', c.destination],
    message: /missing\.json: it does not exist/,
  },
  {
    name: 'a misspelt setting in the config file',
    args: (c) => ['sync', '--config', c.config({ start_dat: '2024-01-01' }), '--destination', c.destination],
    message: /unknown setting "start_dat"/,
  },
  {
    name: 'a rate that is not a number',
    args: (c) => syncArgs(c, '--max-requests-per-second', 'fast'),
    message: /max_requests_per_second/,
  },
  {
    name: 'a rate of zero',
    args: (c) => syncArgs(c, '--max-requests-per-second', '0'),
    message: /max_requests_per_second/,
  },
  {
    name: 'a fractional concurrency',
    args: (c) => syncArgs(c, '--concurrency', '2.5'),
    message: /concurrency/,
  },
  {
    name: 'a batch size of zero rows',
    args: (c) => syncArgs(c, '--batch-size-rows', '0'),
    message: /batch_size_rows/,
  },
  {
    name: 'a negative request timeout',
    args: (c) => syncArgs(c, '--request-timeout', '-1'),
    message: /request_timeout/,
  },
  {
    name: 'a PostgreSQL URL that cannot be parsed',
    args: (c) => ['sync', '--base-url', c.sim.url, '--destination', 'postgres://user:pw@[::1/db'],
    message: /destination "postgres:\/\/user:\*\*\*@.*" is not usable/,
  },
  {
    name: 'a PostgreSQL URL without a host',
    args: (c) => ['sync', '--base-url', c.sim.url, '--destination', 'postgres:///test'],
    message: /has no host/,
  },
  {
    name: 'a destination of an unknown kind',
    args: (c) => ['sync', '--base-url', c.sim.url, '--destination', 'mysql://localhost/db'],
    message: /unknown kind of destination/,
  },
  {
    name: 'duckdb: without a file name',
    args: (c) => ['sync', '--base-url', c.sim.url, '--destination', 'duckdb:'],
    message: /no file name after duckdb:/,
  },
  {
    name: 'a DuckDB path in a folder that does not exist',
    args: (c) => [
      'sync',
      '--base-url',
      c.sim.url,
      '--destination',
      `duckdb:${join(c.dir, 'nope', 'x.duckdb')}`,
    ],
    message: /does not exist/,
  },
  {
    name: 'a DuckDB path below a file',
    args: (c) => [
      'sync',
      '--base-url',
      c.sim.url,
      '--destination',
      `duckdb:${join(c.file('notes.txt', 'hello'), 'x.duckdb')}`,
    ],
    message: /a part of the path is a file/,
  },
  {
    name: 'a DuckDB path that is a folder',
    args: (c) => ['sync', '--base-url', c.sim.url, '--destination', `duckdb:${c.dir}`],
    message: /it is a folder/,
  },
  {
    name: 'a destination file that is not a DuckDB database',
    args: (c) => [
      'sync',
      '--base-url',
      c.sim.url,
      '--destination',
      `duckdb:${c.file('report.duckdb', 'name,total\nacme,3\n')}`,
    ],
    message: /exists but is not a DuckDB database/,
  },
  {
    name: 'plain http to a host that is not loopback',
    args: (c) => ['sync', '--base-url', 'http://api.example.com', '--destination', c.destination],
    message: /plain http to a non-loopback host.*Use https/,
  },
  {
    name: 'a base URL that is not a URL',
    args: (c) => ['sync', '--base-url', 'api.customer.io', '--destination', c.destination],
    message: /base_url "api\.customer\.io" is not a URL/,
  },
  {
    name: 'a base URL with another scheme',
    args: (c) => ['sync', '--base-url', 'ftp://127.0.0.1/', '--destination', c.destination],
    message: /must be an http\(s\) URL/,
  },
  {
    name: '--log-format yaml',
    args: (c) => syncArgs(c, '--log-format', 'yaml'),
    message: /'yaml' is invalid\. Allowed choices are text, json/,
  },
  {
    name: '--log-level loud',
    args: (c) => syncArgs(c, '--log-level', 'loud'),
    message: /'loud' is invalid\. Allowed choices are debug, info, warn, error/,
  },
  {
    name: 'an unknown flag',
    args: (c) => syncArgs(c, '--fast'),
    message: /unknown option '--fast'.*--help/,
  },
  {
    name: 'a misspelt command',
    args: () => ['synch'],
    message: /unknown command 'synch'.*sync/,
  },
];

function tapConfig(c: CaseContext): string {
  return c.config({ streams: ['campaigns'] });
}

/** `airbyte read` with a good config and catalog, and the given state file content. */
function airbyteReadWithState(c: CaseContext, state: unknown): string[] {
  return [
    'airbyte',
    'read',
    '--config',
    tapConfig(c),
    '--catalog',
    c.file('catalog.json', CATALOG),
    '--state',
    c.file('state.json', state),
  ];
}

const RESUME_AT = '2025-12-01T00:00:00.000Z';

const TAP_CASES: Case[] = [
  {
    name: 'tap with both --catalog and --properties',
    args: (c) => [
      'tap',
      '--config',
      tapConfig(c),
      '--catalog',
      c.file('catalog.json', { streams: [] }),
      '--properties',
      c.file('properties.json', { streams: [] }),
    ],
    message: /--catalog FILE or its legacy name --properties FILE, not both/,
  },
  {
    name: 'tap with a catalog that is not valid JSON',
    args: (c) => ['tap', '--config', tapConfig(c), '--catalog', c.file('catalog.json', '{"streams": [')],
    message: /catalog file .* is not valid JSON/,
  },
  {
    name: 'tap with a state file that is not valid JSON',
    args: (c) => ['tap', '--config', tapConfig(c), '--state', c.file('state.json', '{"bookmarks": {')],
    message: /state file .* is not valid JSON/,
  },
  {
    name: 'tap with an Airbyte state (another tool)',
    args: (c) => [
      'tap',
      '--config',
      tapConfig(c),
      '--state',
      c.file('state.json', [
        {
          type: 'STREAM',
          stream: { stream_descriptor: { name: 'campaigns' }, stream_state: { updated: 1 } },
        },
      ]),
    ],
    message: /state file .*must be a JSON object like \{"bookmarks"/,
  },
  {
    name: "tap with another tool's state that has no bookmarks",
    args: (c) => [
      'tap',
      '--config',
      tapConfig(c),
      '--state',
      c.file('state.json', { offsets: { 'topic-0': 42 }, consumer: 'kafka-connect' }),
    ],
    message: /not written by this version of cio-sync.*no "bookmarks"/,
  },
  {
    name: "tap with another tap's bookmarks",
    args: (c) => [
      'tap',
      '--config',
      tapConfig(c),
      '--state',
      c.file('state.json', {
        bookmarks: { 'octo/repo': { issues: { since: '2024-01-01T00:00:00Z' } } },
      }),
    ],
    message: /none of its streams \("octo\/repo"\) is a cio-sync table/,
  },
  {
    name: 'tap with a state from a newer version (a resume position this version cannot read)',
    args: (c) => [
      'tap',
      '--config',
      tapConfig(c),
      '--state',
      c.file('state.json', {
        bookmarks: {
          messages: { resume: { read_started_at: RESUME_AT, position: { page_token_v2: 'abc' } } },
        },
      }),
    ],
    message: /messages would resume at .*page_token_v2.*cannot read/,
  },
  {
    name: 'tap with a bookmark on another field than the replication key',
    args: (c) => [
      'tap',
      '--config',
      tapConfig(c),
      '--state',
      c.file('state.json', {
        bookmarks: { campaigns: { replication_key: 'created', replication_key_value: RESUME_AT } },
      }),
    ],
    message: /campaigns is bookmarked on "created", not on "updated"/,
  },
  {
    name: 'tap with a bookmark that is not a date',
    args: (c) => [
      'tap',
      '--config',
      tapConfig(c),
      '--state',
      c.file('state.json', { bookmarks: { campaigns: { replication_key_value: 'soon' } } }),
    ],
    message: /campaigns.*"soon" is not a date/,
  },
  {
    name: 'airbyte read without --catalog',
    args: (c) => ['airbyte', 'read', '--config', tapConfig(c)],
    message: /read needs --catalog FILE/,
  },
  {
    name: 'airbyte read with a state file that is not valid JSON',
    args: (c) => airbyteReadWithState(c, '[{"type": "STREAM"'),
    message: /state file .* is not valid JSON/,
  },
  {
    name: "airbyte read with another source's state",
    args: (c) =>
      airbyteReadWithState(c, [
        {
          type: 'STREAM',
          stream: {
            stream_descriptor: { name: 'pull_requests' },
            stream_state: { updated_at: '2024-01-01' },
          },
        },
      ]),
    message: /none of its streams \("pull_requests"\) is a cio-sync table/,
  },
  {
    name: 'airbyte read with a state from a newer version',
    args: (c) =>
      airbyteReadWithState(c, [
        {
          type: 'STREAM',
          stream: {
            stream_descriptor: { name: 'eps_suppression' },
            stream_state: { resume: { read_started_at: RESUME_AT, position: { cursor: 'v2:bounces:9' } } },
          },
        },
      ]),
    message: /eps_suppression would resume at .*cannot read/,
  },
];

/** Every file below `dir` with a hash of its bytes: what "nothing was written" is checked against. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    const path = join(dir, entry);
    if (!statSync(path).isFile()) continue;
    out[entry] = createHash('sha256').update(readFileSync(path)).digest('hex');
  }
  return out;
}

async function scratchCase(name: string, existingDestination: boolean): Promise<CaseContext> {
  const dir = join(root, name.replace(/[^a-z0-9]+/gi, '-').slice(0, 60));
  mkdirSync(dir);
  const sim = await startSimulator({ rps: 0, scale: 0.05, seed: 2 });
  const db = join(dir, 'out.duckdb');
  if (existingDestination) copyFileSync(loadedDb, db);
  const file = (fileName: string, content: unknown): string => {
    const path = join(dir, fileName);
    writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
    return path;
  };
  return {
    dir,
    sim,
    destination: `duckdb:${db}`,
    file,
    config: (extra = {}) =>
      file('config.json', {
        access_token: sim.token,
        base_url: sim.url,
        max_requests_per_second: 1000,
        ...extra,
      }),
  };
}

beforeAll(async () => {
  base = await startSimulator({ rps: 0, scale: 0.05, seed: 2 });
  loadedDb = join(root, 'loaded.duckdb');
  const loaded = await runCli(
    [
      'sync',
      '--base-url',
      base.url,
      '--destination',
      `duckdb:${loadedDb}`,
      '--streams',
      'campaigns,segments',
    ],
    { env: { CIO_ACCESS_TOKEN: base.token } },
  );
  expect(loaded.code, loaded.stderr).toBe(0);
  const state = await queryDuckDb(loadedDb, 'SELECT count(*)::INTEGER AS n FROM _cio_state');
  expect(state[0]!.n).toBe(2);
});

afterAll(async () => {
  await base?.stop();
});

describe.concurrent('bad input: exit code 2, one line saying what to do, nothing written', () => {
  const cases = [
    ...SYNC_CASES.map((c) => ({ ...c, existingDestination: c.existingDestination ?? true })),
    ...TAP_CASES.map((c) => ({ ...c, existingDestination: c.existingDestination ?? false })),
  ];

  it('the catalogue holds at least 30 distinct bad inputs', () => {
    expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
    expect(cases.length).toBeGreaterThanOrEqual(30);
  });

  for (const item of cases) {
    it(item.name, async ({ expect }) => {
      const c = await scratchCase(item.name, item.existingDestination);
      try {
        const args = item.args(c);
        const before = snapshot(c.dir);
        const run = await runCli(args, { env: item.env ? item.env(c) : tokenEnv(c), cwd: c.dir });
        const lines = run.stderr.trimEnd().split('\n');
        expect(run.code, run.stderr).toBe(2);
        expect(lines, 'exactly one line on stderr').toHaveLength(1);
        expect(lines[0]).toMatch(item.message);
        expect(lines[0]).not.toContain(c.sim.token);
        if (args[0] === 'airbyte') {
          // Airbyte's channel for a failure is a TRACE ERROR on stdout, and nothing else.
          const messages = run.stdout
            .trim()
            .split('\n')
            .map((l) => JSON.parse(l) as { type: string });
          expect(messages.map((m) => m.type)).toEqual(['TRACE']);
        } else {
          expect(run.stdout).toBe('');
        }
        expect(snapshot(c.dir), 'files in the scratch folder').toEqual(before);
        expect(c.sim.stats().requests, 'requests that reached the API').toBe(0);
      } finally {
        await c.sim.stop();
      }
    });
  }
});

describe('inputs that look wrong but are fine', () => {
  it('a token with stray whitespace is trimmed and works', async () => {
    const c = await scratchCase('token with whitespace', false);
    try {
      const run = await runCli(
        ['sync', '--base-url', c.sim.url, '--destination', c.destination, '--streams', 'topics'],
        {
          env: { CIO_ACCESS_TOKEN: ` ${c.sim.token}\n` },
        },
      );
      expect(run.code, run.stderr).toBe(0);
      const rows = await queryDuckDb(
        c.destination.slice('duckdb:'.length),
        'SELECT count(*)::INTEGER AS n FROM topics',
      );
      expect(rows[0]!.n).toBe(c.sim.truth().topics.length);
    } finally {
      await c.sim.stop();
    }
  });

  it('any text given as a start date is a past day on or after 1970, or a CIO_ERR_CONFIG saying why', () => {
    const now = new Date('2026-01-01T00:00:00Z');
    const candidates = fc.oneof(
      fc.string(),
      fc
        .tuple(
          fc.integer({ min: 0, max: 99 }),
          fc.integer({ min: 0, max: 99 }),
          fc.integer({ min: 1900, max: 2100 }),
        )
        .map(([m, d, y]) => `${String(m).padStart(2, '0')}/${String(d).padStart(2, '0')}/${y}`),
      fc
        .tuple(
          fc.integer({ min: 1900, max: 2100 }),
          fc.integer({ min: 0, max: 99 }),
          fc.integer({ min: 0, max: 99 }),
        )
        .map(([y, m, d]) => `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`),
      fc
        .date({ min: new Date('1990-01-01'), max: new Date('2100-01-01'), noInvalidDate: true })
        .map((d) => d.toISOString()),
      // Date and time without a zone, as some Singer configs write it.
      fc
        .date({ min: new Date('1960-01-01'), max: new Date('2100-01-01'), noInvalidDate: true })
        .map((d) => d.toISOString().slice(0, 19)),
    );
    fc.assert(
      fc.property(candidates, (text) => {
        let parsed: Date;
        try {
          parsed = parseStartDate(text, now);
        } catch (error) {
          expect(isCioError(error) && error.code === 'CIO_ERR_CONFIG', String(error)).toBe(true);
          expect((error as Error).message).toContain('start_date');
          expect((error as Error).message).not.toContain('\n');
          return;
        }
        expect(Number.isNaN(parsed.getTime())).toBe(false);
        expect(parsed.getTime()).toBeLessThanOrEqual(now.getTime());
        expect(parsed.getTime()).toBeGreaterThanOrEqual(0);
      }),
      { numRuns: 500 },
    );
  });
});
