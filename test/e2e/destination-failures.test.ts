import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { advisoryLockKey } from '../../src/destinations/postgres/postgres-connection.js';
import { type Simulator, startSimulator } from '../../src/sim/index.js';
import { DEFAULT_STREAM_NAMES } from '../../src/streams/definitions.js';
import { runCli, startCli } from '../helpers/cli.js';
import { postgresDestination, type TestDestination } from '../helpers/destinations.js';
import { PG_URL, queryPostgres, withPg } from '../helpers/postgres.js';
import { scratchDir } from '../helpers/scratch-dir.js';
import { expectLoadedMatchesTruth, type TruthLike } from '../helpers/truth.js';

/**
 * The PostgreSQL connection dropping under a sync (a server restart, a failover, an administrator
 * ending sessions) is transient: the run retries what it safely can, otherwise exits 1 (a
 * scheduler retries) with every table's own result, and the run log always gets a final status.
 * Only this run's connections are ended (by their application_name): the server is shared.
 */
const dir = scratchDir('destination-failures');
const sims: Simulator[] = [];
const destinations: TestDestination[] = [];

afterAll(async () => {
  for (const destination of destinations) await destination.cleanup();
  for (const sim of sims) await sim.stop();
});

interface Setup {
  sim: Simulator;
  schema: string;
  destination: TestDestination;
  args: string[];
  env: Record<string, string>;
  appName: string;
}

async function setup(name: string): Promise<Setup> {
  const sim = await startSimulator({ rps: 0, seed: 77, latencyMs: 15 });
  sims.push(sim);
  const schema = `e2e_destfail_${name}_${process.pid}`;
  const destination = postgresDestination(schema);
  destinations.push(destination);
  const appName = `cio_destfail_${name}_${process.pid}`;
  // Small batches: many merges, so connections are busy when they are ended. 100 requests a second
  // keep a sync a few seconds long: long enough to end its connections halfway, not ten times that.
  const config = join(dir, `${name}.json`);
  writeFileSync(config, JSON.stringify({ batch_size_rows: 100, max_requests_per_second: 100 }));
  const url = `${PG_URL}?application_name=${appName}`;
  const args = ['sync', '--config', config, '--base-url', sim.url, '--destination', url, '--schema', schema];
  return { sim, schema, destination, args, env: { CIO_ACCESS_TOKEN: sim.token }, appName };
}

/** Ends the run's connections; how many there were. */
async function endConnections(appName: string): Promise<number> {
  const rows = await queryPostgres(
    `SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity
     WHERE datname = 'test' AND pid <> pg_backend_pid() AND application_name = '${appName}'`,
  );
  return rows.length;
}

async function committedBatches(schema: string): Promise<number> {
  const rows = await queryPostgres(
    `SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = '${schema}' AND table_name = '_cio_state'`,
  );
  if (rows[0]?.n !== 1) return 0;
  return Number((await queryPostgres(`SELECT count(*)::int AS n FROM "${schema}"."_cio_state"`))[0]?.n);
}

async function runStatuses(schema: string): Promise<string[]> {
  const rows = await queryPostgres(`SELECT status FROM "${schema}"."_cio_sync_runs" ORDER BY started_at`);
  return rows.map((row) => String(row.status));
}

/** The `failed (CODE)` log lines of a run. */
function failureCodes(stderr: string): string[] {
  return [...stderr.matchAll(/failed \((CIO_ERR_[A-Z_]+)\)/g)].map((match) => String(match[1]));
}

/** Each failed table's message is about that table: none carries another table's failure. */
function expectNoTableBlamedForAnother(stderr: string): void {
  const failures = [...stderr.matchAll(/\[([a-z_]+)\] failed \(CIO_ERR_[A-Z_]+\): (.*)/g)];
  expect(failures.length).toBe(failureCodes(stderr).length);
  for (const [, stream, message] of failures) {
    const named = [...String(message).matchAll(/stream "([a-z_]+)"/g)].map((match) => match[1]);
    expect(
      named.every((name) => name === stream),
      `${stream} blamed for: ${message}`,
    ).toBe(true);
  }
}

const until = async (check: () => Promise<boolean>, timeoutMs: number): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
};

describe('PostgreSQL connections lost mid-sync', () => {
  it('connections ended once: the sync reconnects, retries what is safe, exit 0 or 1, never 2', async () => {
    const s = await setup('once');
    const { child, result } = startCli(s.args, { env: s.env });
    await until(async () => (await committedBatches(s.schema)) >= 2, 60_000);
    expect(await endConnections(s.appName)).toBeGreaterThan(0);
    const run = await result;

    expect([0, 1], run.stderr).toContain(run.code);
    expect(run.stderr).not.toMatch(/CIO_ERR_DESTINATION\b(?!_LOST)/);
    expect(run.stdout).toMatch(/^(succeeded|failed) in [\d.]+ s$/m);
    expect(await runStatuses(s.schema)).toEqual([run.code === 0 ? 'succeeded' : 'failed']);
    for (const code of failureCodes(run.stderr)) expect(code).toBe('CIO_ERR_DESTINATION_LOST');
    expect(child.exitCode).toBe(run.code);

    // A run whose process died before recording its end (SIGKILL, or the destination gone for good).
    await queryPostgres(
      `INSERT INTO "${s.schema}"."_cio_sync_runs" (run_id, started_at, status) VALUES ('dead-run', now() - interval '1 day', 'running')`,
    );
    const again = await runCli(s.args, { env: s.env });
    expect(again.code, again.stderr).toBe(0);
    expect(await runStatuses(s.schema)).toEqual([
      'interrupted',
      run.code === 0 ? 'succeeded' : 'failed',
      'succeeded',
    ]);
    expectLoadedMatchesTruth(
      await s.destination.read(DEFAULT_STREAM_NAMES),
      s.sim.truth() as unknown as TruthLike,
    );
  });

  it('a connection ended inside a merge: the batch is merged again after reconnecting, exit 0', async () => {
    const s = await setup('merge');
    const first = await runCli([...s.args, '--streams', 'campaigns'], { env: s.env });
    expect(first.code, first.stderr).toBe(0);
    s.sim.advance({ seconds: 3600, updateFraction: 0.5, addFraction: 0.2, deleteFraction: 0 });

    // Holding the table makes the next merge wait inside its transaction, where it is then ended.
    const run = await withPg(async (holder) => {
      await holder.query('BEGIN');
      await holder.query(`LOCK TABLE "${s.schema}"."campaigns" IN ACCESS EXCLUSIVE MODE`);
      const { result } = startCli([...s.args, '--streams', 'campaigns'], { env: s.env });
      const waitingMerge = `SELECT 1 FROM pg_stat_activity WHERE application_name = '${s.appName}'
        AND wait_event_type = 'Lock' AND state = 'active'`;
      await until(async () => (await queryPostgres(waitingMerge)).length > 0, 60_000);
      expect(await endConnections(s.appName)).toBeGreaterThan(0);
      await holder.query('COMMIT');
      return result;
    });

    expect(run.code, run.stderr).toBe(0);
    expect(await runStatuses(s.schema)).toEqual(['succeeded', 'succeeded']);
    expectLoadedMatchesTruth(await s.destination.read(['campaigns']), s.sim.truth() as unknown as TruthLike);
  });

  it('the destination taken by another run while the connection was lost: exit 2, the others stopped', async () => {
    const s = await setup('stolen');
    const first = await runCli([...s.args, '--streams', 'campaigns'], { env: s.env });
    expect(first.code, first.stderr).toBe(0);
    const streams = ['--streams', 'campaigns,messages,customers,activities'];

    const run = await withPg(async (holder) => {
      await holder.query('BEGIN');
      await holder.query(`LOCK TABLE "${s.schema}"."campaigns" IN ACCESS EXCLUSIVE MODE`);
      const { result } = startCli([...s.args, ...streams], { env: s.env });
      const waitingMerge = `SELECT 1 FROM pg_stat_activity WHERE application_name = '${s.appName}'
        AND wait_event_type = 'Lock' AND state = 'active'`;
      await until(async () => (await queryPostgres(waitingMerge)).length > 0, 60_000);
      expect(await endConnections(s.appName)).toBeGreaterThan(0);
      // Another run's lock, taken as soon as the ended session lets go (before the retry reconnects).
      await holder.query('SELECT pg_advisory_lock(CAST($1 AS BIGINT))', [advisoryLockKey(s.schema)]);
      await holder.query('COMMIT');
      const ended = await result;
      await holder.query('SELECT pg_advisory_unlock(CAST($1 AS BIGINT))', [advisoryLockKey(s.schema)]);
      return ended;
    });

    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toMatch(/another cio-sync run took the destination/);
    // A table that found the destination taken fails with that (several can, before the stop
    // reaches them); a table whose page was loading when the connection ended fails with its own
    // lost connection; the rest were stopped.
    const codes = failureCodes(run.stderr);
    expect(codes).toContain('CIO_ERR_DESTINATION');
    for (const code of codes) expect(['CIO_ERR_DESTINATION', 'CIO_ERR_DESTINATION_LOST']).toContain(code);
    expectNoTableBlamedForAnother(run.stderr);
    expect(run.stdout).toMatch(/^campaigns +failed /m);
    expect(run.stdout).toMatch(/^(messages|customers|activities) +incomplete /m);
    expect(run.stderr).toMatch(
      /WARN \[(messages|customers|activities)\] stopped before finishing: table [a-z_]+'s failure \(CIO_ERR_DESTINATION\) ended the run/,
    );
    expect(run.stdout).toMatch(/^\d+ tables?: [\d,]+ rows read.*\nfailed in /m);

    const again = await runCli([...s.args, ...streams], { env: s.env });
    expect(again.code, again.stderr).toBe(0);
    expect(await runStatuses(s.schema)).toEqual(['succeeded', 'interrupted', 'succeeded']);
  });

  it('connections ended again and again: exit 1, the summary printed, no table blamed for another', async () => {
    const s = await setup('repeated');
    const { result } = startCli(s.args, { env: s.env });
    await until(async () => (await committedBatches(s.schema)) >= 1, 60_000);
    let exited = false;
    const killing = (async () => {
      while (!exited) {
        await endConnections(s.appName);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    const run = await result;
    exited = true;
    await killing;

    expect(run.code, run.stderr).toBe(1);
    expect(run.stdout).toMatch(/^\d+ tables?: [\d,]+ rows read.*\nfailed in /m);
    const codes = failureCodes(run.stderr);
    expect(codes.length).toBeGreaterThan(0);
    for (const code of codes) expect(code).toBe('CIO_ERR_DESTINATION_LOST');
    expectNoTableBlamedForAnother(run.stderr);

    // The run row ends with a final status: recorded by the run, or by the next run's start.
    const again = await runCli(s.args, { env: s.env });
    expect(again.code, again.stderr).toBe(0);
    const statuses = await runStatuses(s.schema);
    expect(statuses).toHaveLength(2);
    expect(['failed', 'interrupted']).toContain(statuses[0]);
    expect(statuses[1]).toBe('succeeded');
    expectLoadedMatchesTruth(
      await s.destination.read(DEFAULT_STREAM_NAMES),
      s.sim.truth() as unknown as TruthLike,
    );
  });
});
