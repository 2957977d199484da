import { afterAll, describe, expect, it } from 'vitest';
import { type Simulator, startSimulator } from '../../src/sim/index.js';
import { STREAM_NAMES } from '../../src/streams/definitions.js';
import { runCli } from '../helpers/cli.js';
import { duckdbDestination, postgresDestination, type TestDestination } from '../helpers/destinations.js';
import { scratchDir } from '../helpers/scratch-dir.js';
import { TABLES_BUT_METRICS } from '../helpers/tables.js';
import { expectLoadedMatchesTruth, type TruthLike } from '../helpers/truth.js';

/**
 * The two other worlds the simulator serves (the default, live-shaped world is loaded by
 * sync-duckdb and sync-postgres): the vendor spec's exact shapes, and a workspace with nothing in
 * it, where live lists answer `null`. Each loads exactly, then again after the world moves on.
 */
const dir = scratchDir('api-shapes');
const sims: Simulator[] = [];
const destinations: TestDestination[] = [];

afterAll(async () => {
  await Promise.all(destinations.map((d) => d.cleanup()));
  await Promise.all(sims.map((s) => s.stop()));
});

/** Every table by default, the opt-in ones (objects, metrics) included. */
function syncArgs(sim: Simulator, tables: readonly string[] = STREAM_NAMES): string[] {
  const all = ['--streams', tables.join(',')];
  return ['sync', '--base-url', sim.url, '--max-requests-per-second', '1000', ...all];
}

async function syncTwice(sim: Simulator, destination: TestDestination): Promise<void> {
  const env = { CIO_ACCESS_TOKEN: sim.token };
  const args = [...syncArgs(sim, TABLES_BUT_METRICS), ...destination.args];
  for (const round of ['first', 'after an advance']) {
    // After the advance, complete reads: deletions are marked only by those.
    const run = await runCli(round === 'first' ? args : [...args, '--full-refresh'], { env });
    expect(run.code, `${round}: ${run.stderr}`).toBe(0);
    expect(sim.unknownRoutes()).toEqual([]);
    expectLoadedMatchesTruth(await destination.read(TABLES_BUT_METRICS), sim.truth() as unknown as TruthLike);
    sim.advance({ seconds: 86_400 });
  }
}

describe('worlds other than the default live one load exactly', () => {
  it('the vendor spec shapes, into DuckDB', async () => {
    const sim = await startSimulator({ rps: 0, seed: 5, scale: 0.2, shapes: 'spec' });
    sims.push(sim);
    const destination = duckdbDestination(dir, 'spec');
    destinations.push(destination);
    await syncTwice(sim, destination);
  });

  it.each([
    ['DuckDB', () => duckdbDestination(dir, 'empty')],
    ['PostgreSQL', () => postgresDestination(`e2e_empty_${process.pid}`)],
  ])('an empty workspace (lists empty or null), into %s', async (_name, make) => {
    const sim = await startSimulator({ rps: 0, seed: 6, world: 'empty' });
    sims.push(sim);
    const destination = make();
    destinations.push(destination);
    const run = await runCli([...syncArgs(sim), ...destination.args], {
      env: { CIO_ACCESS_TOKEN: sim.token },
    });
    expect(run.code, run.stderr).toBe(0);
    const loaded = await destination.read(STREAM_NAMES);
    expect(Object.values(loaded).every((rows) => rows.length === 0)).toBe(true);
    expectLoadedMatchesTruth(loaded, sim.truth() as unknown as TruthLike);
  });
});
