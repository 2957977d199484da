import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLastRunRequests } from '../../src/destinations/registry.js';
import { type Simulator, startSimulator } from '../../src/sim/index.js';
import { DEFAULT_STREAM_NAMES } from '../../src/streams/definitions.js';
import { duckdbSyncArgs, runCli, startCli } from '../helpers/cli.js';
import { queryDuckDb } from '../helpers/duckdb.js';
import { scratchDir } from '../helpers/scratch-dir.js';

/**
 * What `cio-sync sync` prints, end to end: only the error when the run never started (a held
 * destination, checked before the key; a refused key), and on Ctrl-C exit 130 with a summary of what
 * was committed.
 */
const dir = scratchDir('sync-output');
let sim: Simulator;
beforeAll(async () => {
  // Slow answers keep a sync running long enough to be interrupted part way.
  sim = await startSimulator({ rps: 0, seed: 3, scale: 0.5, latencyMs: 150 });
});
afterAll(async () => {
  await sim.stop();
});

const syncArgs = (file: string) => duckdbSyncArgs(sim.url, file);

const env = () => ({ CIO_ACCESS_TOKEN: sim.token });

/** The summary's table lines: name -> [status, read, written, in table, requests]. */
function summaryRows(stdout: string): Map<string, string[]> {
  const rows = new Map<string, string[]>();
  for (const match of stdout.matchAll(
    /^([a-z_]+)\s+(\w+(?: \(resumed\))?)\s+([\d,]+)\s+([\d,]+)\s+([\d,]+|-)\s+([\d,]+)$/gm,
  )) {
    rows.set(match[1] as string, match.slice(2, 7) as string[]);
  }
  return rows;
}

describe('sync output', () => {
  it('a destination another run holds: only the error, at once, before the key check', async () => {
    const file = join(dir, 'held.duckdb');
    const holder = await DuckDBInstance.create(file);
    const connection = await holder.connect();
    const before = sim.requestLog().length;
    try {
      const run = await runCli(syncArgs(file), { env: env() });
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr).toMatch(/Another cio-sync run is using/);
      expect(run.stdout).toBe('');
      expect(sim.requestLog().length, 'no request, not even the key check').toBe(before);
    } finally {
      connection.closeSync();
      holder.closeSync();
    }
  });

  it('a refused key: only the error, no empty summary', async () => {
    const run = await runCli(syncArgs(join(dir, 'refused.duckdb')), {
      env: { CIO_ACCESS_TOKEN: 'not-the-key' },
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/\(401\)/);
    expect(run.stdout).toBe('');
  });

  it('Ctrl-C: exit 130, "interrupted", the committed rows counted; the run log says "interrupted"', async () => {
    const file = join(dir, 'interrupted.duckdb');
    const { child, result } = startCli(syncArgs(file), { env: env() });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    // Once a table is done the destination holds rows, and the larger tables are still paging.
    while (!/\] done: /.test(stderr) && child.exitCode === null) await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGINT');
    const run = await result;

    expect(run.code, run.stderr).toBe(130);
    expect(run.stdout).toMatch(
      /^interrupted after [\d.]+ s: the rows written are committed; run the sync again to resume$/m,
    );
    const rows = summaryRows(run.stdout);
    // Which tables were still reading depends on timing (test/engine/progress-events.test.ts stops
    // one part way on purpose); whatever the summary says each table holds, it does.
    expect(rows.size, run.stdout).toBe(DEFAULT_STREAM_NAMES.length);
    for (const [table, [, , written, inTable]] of rows) {
      const [counted] = await queryDuckDb(file, `SELECT count(*)::INTEGER AS n FROM ${table}`);
      expect(inTable, table).toBe(Number(counted?.n).toLocaleString('en-US'));
      // A first sync inserts every row it commits: what the table holds is what was written.
      expect(written, table).toBe(inTable);
    }
    const [logged] = await queryDuckDb(file, 'SELECT error FROM _cio_sync_runs');
    expect(logged?.error).toBe('interrupted');

    // The next run finishes, and the run log then gives the progress view its plan: per table requests.
    const again = await runCli(syncArgs(file), { env: env() });
    expect(again.code, again.stderr).toBe(0);
    const planned = await readLastRunRequests({ kind: 'duckdb', path: file });
    const summary = summaryRows(again.stdout);
    expect(Object.keys(planned ?? {}).sort()).toEqual([...summary.keys()].sort());
    for (const [table, cells] of summary) expect(String(planned?.[table]), table).toBe(cells[4]);
  });
});
