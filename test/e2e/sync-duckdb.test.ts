import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Simulator, startSimulator } from '../../src/sim/index.js';
import { DEFAULT_STREAM_NAMES, STREAM_NAMES } from '../../src/streams/definitions.js';
import { runCli, startCli } from '../helpers/cli.js';
import { queryDuckDb, readDuckDb } from '../helpers/duckdb.js';
import { scratchDir } from '../helpers/scratch-dir.js';
import {
  expectedTables,
  expectLoadedMatchesTruth,
  expectTableMatches,
  INCREMENTAL_TABLES,
  keyOf,
  type TruthLike,
} from '../helpers/truth.js';

const INCREMENTAL = [...INCREMENTAL_TABLES];
const KEY: Record<string, string> = { customers: 'cio_id', snippets: 'name' };
const REPLICATION_KEY: Record<string, string> = {
  broadcasts: 'updated',
  campaigns: 'updated',
  newsletters: 'updated',
  transactional_messages: 'updated_at',
  segments: 'updated_at',
  exports: 'updated_at',
  snippets: 'updated_at',
  collections: 'updated_at',
};

const dir = scratchDir('e2e');
let sim: Simulator | undefined;

afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

function syncArgs(s: Simulator, file: string, extra: string[] = []): string[] {
  return [
    'sync',
    '--base-url',
    s.url,
    '--destination',
    `duckdb:${file}`,
    '--max-requests-per-second',
    '1000',
    ...extra,
  ];
}

describe('cio-sync sync into DuckDB (CLI against the simulator)', () => {
  it('loads every table equal to the ground truth, then loads only changes after the world advances', async () => {
    sim = await startSimulator({ rps: 0, seed: 7 });
    const file = join(dir, 'full.duckdb');
    const env = { CIO_ACCESS_TOKEN: sim.token };

    // Every table, the opt-in ones named.
    const all = ['--streams', STREAM_NAMES.join(',')];
    const first = await runCli(syncArgs(sim, file, all), { env });
    expect(first.stderr).not.toContain('ERROR');
    expect(first.code).toBe(0);
    expect(sim.unknownRoutes()).toEqual([]);
    const expected = expectedTables(sim.truth() as unknown as TruthLike);
    const loaded = await readDuckDb(file, STREAM_NAMES);
    for (const table of STREAM_NAMES) expectTableMatches(table, loaded[table]!, expected[table]!);

    // Second sync after updates, additions and deletions.
    const before = new Map(
      INCREMENTAL.map((t) => [
        t,
        new Map(
          loaded[t]!.map((r) => [
            String(r[KEY[t] ?? 'id']),
            { value: r[REPLICATION_KEY[t]!], syncedAt: r._cio_synced_at },
          ]),
        ),
      ]),
    );
    const change = sim.advance({
      seconds: 7200,
      updateFraction: 0.1,
      addFraction: 0.05,
      deleteFraction: 0.05,
    });
    expect(change).toBeTruthy();
    // Complete reads (a read of changes leaves deletions and older changes to the next complete read).
    const second = await runCli(syncArgs(sim, file, [...all, '--full-refresh']), { env });
    expect(second.code).toBe(0);
    const expected2 = expectedTables(sim.truth() as unknown as TruthLike);
    const loaded2 = await readDuckDb(file, STREAM_NAMES);
    for (const table of STREAM_NAMES) {
      if (INCREMENTAL.includes(table)) {
        // Incremental tables cannot see deletions: every live API row is there and equal.
        const key = KEY[table] ?? 'id';
        const present = loaded2[table]!.filter((r) => expected2[table]!.has(String(r[key])));
        expectTableMatches(table, present, expected2[table]!);
        // Rows whose replication key did not move were not rewritten.
        const replicationKey = REPLICATION_KEY[table]!;
        let unchanged = 0;
        for (const row of loaded2[table]!) {
          const pk = String(row[key]);
          const old = before.get(table)!.get(pk);
          if (old && old.value === row[replicationKey]) {
            unchanged += 1;
            expect(row._cio_synced_at, `${table}[${pk}] rewritten although unchanged`).toBe(old.syncedAt);
          }
        }
        expect(unchanged, `${table}: some rows unchanged`).toBeGreaterThan(0);
      } else {
        // Full-table tables: live rows equal the API; rows the API no longer has are marked deleted.
        expectTableMatches(table, loaded2[table]!, expected2[table]!);
        for (const row of loaded2[table]!) {
          if (!expected2[table]!.has(keyOf(table, row))) {
            expect(
              row._cio_deleted_at,
              `${table}[${keyOf(table, row)}] should be marked deleted`,
            ).not.toBeNull();
          }
        }
      }
    }
    for (const table of ['messages', 'campaign_actions', 'segment_members']) {
      const deleted = await queryDuckDb(
        file,
        `SELECT count(*)::INTEGER AS n FROM ${table} WHERE _cio_deleted_at IS NOT NULL`,
      );
      expect(Number(deleted[0]!.n), `${table}: rows marked deleted`).toBeGreaterThan(0);
    }
    const runs = await queryDuckDb(file, 'SELECT status FROM _cio_sync_runs ORDER BY started_at');
    expect(runs.map((r) => r.status)).toEqual(['succeeded', 'succeeded']);
  });

  it('filters by the start date and syncs only the selected tables', async () => {
    sim = await startSimulator({ rps: 0, seed: 3 });
    const truth = sim.truth() as unknown as TruthLike;
    const messages = truth.messages as { created: number }[];
    const sorted = messages.map((m) => m.created).sort((a, b) => a - b);
    const cut = sorted[Math.floor(sorted.length / 2)]!;
    const day = new Date(cut * 1000).toISOString().slice(0, 10);
    const from = Date.parse(`${day}T00:00:00Z`) / 1000;
    const file = join(dir, 'start-date.duckdb');
    const result = await runCli(
      syncArgs(sim, file, ['--streams', 'messages,campaigns', '--start-date', day]),
      {
        env: { CIO_ACCESS_TOKEN: sim.token },
      },
    );
    expect(result.code).toBe(0);
    const tables = await queryDuckDb(
      file,
      "SELECT table_name FROM information_schema.tables WHERE table_name NOT LIKE '\\_cio%' ESCAPE '\\' ORDER BY 1",
    );
    expect(tables.map((t) => t.table_name)).toEqual(['campaigns', 'messages']);
    const loaded = await readDuckDb(file, ['messages', 'campaigns']);
    const wanted = messages.filter((m) => m.created >= from).length;
    expect(wanted).toBeGreaterThan(0);
    expect(wanted).toBeLessThan(messages.length);
    expect(loaded.messages!.length).toBe(wanted);
    const campaigns = truth.campaigns as { updated: number }[];
    expect(loaded.campaigns!.length).toBe(campaigns.filter((c) => c.updated >= from).length);
    // The start date went to the API as start_ts, not only as a local filter.
    const sent = sim.requestLog().filter((e) => e.path === '/v1/messages');
    expect(sent.every((e) => Number(e.query.start_ts) === from)).toBe(true);
  });

  it('ends in exact data despite injected 429s, 5xx, resets and malformed bodies', async () => {
    sim = await startSimulator({ rps: 0, seed: 11 });
    sim.injectFault({ kind: 'rate_limit', retryAfter: 1, path: '/v1/messages', nth: [2] });
    sim.injectFault({ kind: 'status', status: 503, path: '/v1/customers/attributes', nth: [1, 3] });
    sim.injectFault({ kind: 'status', status: 500, path: /^\/v1\/esp\/suppression\//, nth: [2] });
    sim.injectFault({ kind: 'reset', path: '/v1/activities', nth: [2] });
    sim.injectFault({ kind: 'malformed', path: '/v1/campaigns', nth: [1] });
    sim.injectFault({ kind: 'truncated', path: '/v1/newsletters', nth: [1] });
    const file = join(dir, 'faults.duckdb');
    const result = await runCli(syncArgs(sim, file), { env: { CIO_ACCESS_TOKEN: sim.token } });
    expect(result.code).toBe(0);
    expect(sim.stats().faults).toBeGreaterThanOrEqual(7);
    const expected = expectedTables(sim.truth() as unknown as TruthLike);
    const loaded = await readDuckDb(file, DEFAULT_STREAM_NAMES);
    for (const table of DEFAULT_STREAM_NAMES) expectTableMatches(table, loaded[table]!, expected[table]!);
  });

  it('refuses a bad token with exit code 2, an explanation, and loads nothing', async () => {
    sim = await startSimulator({ rps: 0 });
    const file = join(dir, 'bad-token.duckdb');
    const result = await runCli(syncArgs(sim, file), { env: { CIO_ACCESS_TOKEN: 'wrong-token-123' } });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/refused the App API key \(401\)/);
    expect(result.stderr).toMatch(/region/);
    expect(result.stderr + result.stdout).not.toContain('wrong-token-123');
    expect(existsSync(file)).toBe(false);
  });

  it('prints a summary from `demo`', async () => {
    const result = await runCli(['demo', '--rps', '0', '--fresh', '--file', join(dir, 'demo.duckdb')]);
    expect(result.code).toBe(0);
    for (const table of DEFAULT_STREAM_NAMES) {
      expect(result.stdout).toMatch(new RegExp(`^${table}\\s+complete`, 'm'));
    }
    // Opt-in tables are synced only when named.
    expect(result.stdout).not.toMatch(/^objects\s/m);
    expect(result.stdout).toMatch(
      new RegExp(
        `^${DEFAULT_STREAM_NAMES.length} tables: [\\d,]+ rows read, [\\d,]+ written, [\\d,]+ requests \\([\\d,]+ table reads \\+ 1 key check\\)`,
        'm',
      ),
    );
    expect(result.stdout).toMatch(/^succeeded in [\d.]+ s$/m);
  });
});

describe('an interrupted sync (SIGINT)', () => {
  it('stops between batches with exit code 130, a run logged as interrupted, and a rerun that completes exactly', async () => {
    // Slow answers until the interrupt, so it lands mid-read; the rerun runs at full speed.
    const slow = await startSimulator({ rps: 0, seed: 9 });
    slow.injectFault({ kind: 'slow', delayMs: 300 });
    sim = slow;
    const file = join(dir, 'interrupted.duckdb');
    const { child, result } = startCli(syncArgs(slow, file), { env: { CIO_ACCESS_TOKEN: slow.token } });
    while (slow.requestLog().length < 12) await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGINT');
    const interrupted = await result;
    expect(interrupted.code).toBe(130);
    expect(interrupted.stderr).toMatch(/interrupted/);
    const runs = await queryDuckDb(file, 'SELECT status, error FROM _cio_sync_runs');
    expect(runs).toEqual([{ status: 'failed', error: 'interrupted' }]);
    slow.clearFaults();
    const rerun = await runCli(syncArgs(slow, file), { env: { CIO_ACCESS_TOKEN: slow.token } });
    expect(rerun.code, rerun.stderr).toBe(0);
    expectLoadedMatchesTruth(
      await readDuckDb(file, DEFAULT_STREAM_NAMES),
      slow.truth() as unknown as TruthLike,
    );
  });
});
