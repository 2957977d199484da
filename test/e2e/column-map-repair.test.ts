import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, describe, expect, it } from 'vitest';
import { type Simulator, startSimulator } from '../../src/sim/index.js';
import { runCli } from '../helpers/cli.js';
import { duckdbDestination, postgresDestination, type TestDestination } from '../helpers/destinations.js';
import { scratchDir } from '../helpers/scratch-dir.js';
import { expectLoadedMatchesTruth, type TruthLike } from '../helpers/truth.js';

/**
 * `_cio_columns` says which column holds which field. When its rows are lost or point at a column
 * that does not exist, the next sync rebuilds them from the table's own columns instead of adding a
 * second (hashed) column per field, and goes on updating the rows in place.
 */
const dir = scratchDir('column-map');
const sims: Simulator[] = [];
const destinations: TestDestination[] = [];

afterAll(async () => {
  for (const destination of destinations) await destination.cleanup();
  for (const sim of sims) await sim.stop();
});

const DAMAGES: { name: string; sql: (columns: string) => string }[] = [
  { name: 'the map rows deleted', sql: (columns) => `DELETE FROM ${columns} WHERE table_name = 'campaigns'` },
  {
    name: 'one entry pointing at a missing column',
    sql: (columns) =>
      `UPDATE ${columns} SET column_name = 'no_such_column' WHERE table_name = 'campaigns' AND field = 'name' AND role = 'value'`,
  },
];

const ENGINES: { engine: string; make: (name: string) => TestDestination }[] = [
  { engine: 'DuckDB', make: (name) => duckdbDestination(dir, name) },
  { engine: 'PostgreSQL', make: (name) => postgresDestination(`e2e_colmap_${name}_${process.pid}`) },
];

/** Runs a statement that changes the destination (the helpers' DuckDB queries are read-only). */
async function tamper(destination: TestDestination, sql: string): Promise<void> {
  if (destination.engine === 'postgres') {
    await destination.query(sql);
    return;
  }
  const file = String(destination.args[1]).slice('duckdb:'.length);
  const instance = await DuckDBInstance.create(file);
  const connection = await instance.connect();
  try {
    await connection.run(sql);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

async function columnsOf(destination: TestDestination): Promise<string[]> {
  const where =
    destination.engine === 'duckdb'
      ? "table_schema = 'main'"
      : `table_schema = '${destination.table('x').split('.')[0]?.replaceAll('"', '')}'`;
  const rows = await destination.query(
    `SELECT column_name FROM information_schema.columns WHERE ${where} AND table_name = 'campaigns'`,
  );
  return rows.map((row) => String(row.column_name)).sort();
}

async function mapOf(destination: TestDestination): Promise<string[]> {
  const rows = await destination.query(
    `SELECT field, role, column_name FROM ${destination.table('_cio_columns')} WHERE table_name = 'campaigns'`,
  );
  return rows.map((row) => `${row.field}:${row.role}:${row.column_name}`).sort();
}

describe('a lost or wrong column map is rebuilt from the table', () => {
  for (const { engine, make } of ENGINES) {
    for (const [index, damage] of DAMAGES.entries()) {
      it(`${engine}, ${damage.name}: exit 0, no new columns, rows updated in place`, async () => {
        const sim = await startSimulator({ rps: 0, seed: 40 + index });
        sims.push(sim);
        const destination = make(`damage${index}`);
        destinations.push(destination);
        const args = ['sync', '--base-url', sim.url, '--streams', 'campaigns', ...destination.args];
        const env = { CIO_ACCESS_TOKEN: sim.token };
        const first = await runCli(args, { env });
        expect(first.code, first.stderr).toBe(0);
        const columnsBefore = await columnsOf(destination);
        const mapBefore = await mapOf(destination);

        await tamper(destination, damage.sql(destination.table('_cio_columns')));
        sim.advance({ seconds: 3600, updateFraction: 0.5, addFraction: 0.2, deleteFraction: 0 });
        const second = await runCli(args, { env });

        expect(second.code, second.stderr).toBe(0);
        expect(await columnsOf(destination)).toEqual(columnsBefore);
        expect(await mapOf(destination)).toEqual(mapBefore);
        const loaded = await destination.read(['campaigns']);
        const truth = sim.truth() as unknown as TruthLike;
        expect(loaded.campaigns?.length).toBe(new Set(loaded.campaigns?.map((row) => String(row.id))).size);
        expectLoadedMatchesTruth(loaded, truth);
      });
    }
  }
});
