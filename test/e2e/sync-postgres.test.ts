import { afterAll, describe, expect, it } from 'vitest';
import { type Simulator, startSimulator } from '../../src/sim/index.js';
import { STREAM_NAMES } from '../../src/streams/definitions.js';
import { runCli } from '../helpers/cli.js';
import { duckdbDestination, postgresDestination } from '../helpers/destinations.js';
import { scratchDir } from '../helpers/scratch-dir.js';
import { expectLoadedMatchesTruth, type TruthLike } from '../helpers/truth.js';

const schema = `e2e_pg_${process.pid}`;
const postgres = postgresDestination(schema);
const duckdb = duckdbDestination(scratchDir('pg-e2e'), 'twin');
let sim: Simulator;

afterAll(async () => {
  await postgres.cleanup();
  await sim?.stop();
});

describe('cio-sync sync into PostgreSQL (CLI against the simulator)', () => {
  it('loads every table exactly, with the same tables and columns as DuckDB', async () => {
    sim = await startSimulator({ rps: 0, seed: 21 });
    const env = { CIO_ACCESS_TOKEN: sim.token };
    // Every table, the opt-in ones named.
    const base = [
      'sync',
      '--base-url',
      sim.url,
      '--max-requests-per-second',
      '1000',
      '--streams',
      STREAM_NAMES.join(','),
    ];
    const intoPg = await runCli([...base, ...postgres.args], { env });
    expect(intoPg.code, intoPg.stderr).toBe(0);
    expectLoadedMatchesTruth(await postgres.read(STREAM_NAMES), sim.truth() as unknown as TruthLike);

    const intoDuck = await runCli([...base, ...duckdb.args], { env });
    expect(intoDuck.code, intoDuck.stderr).toBe(0);
    const columns = 'SELECT table_name, column_name FROM information_schema.columns';
    const pgColumns = await postgres.query(`${columns} WHERE table_schema = '${schema}'`);
    const duckColumns = await duckdb.query(`${columns} WHERE table_schema = 'main'`);
    const shape = (rows: Record<string, unknown>[]) =>
      rows.map((r) => `${String(r.table_name)}.${String(r.column_name)}`).sort();
    expect(shape(pgColumns)).toEqual(shape(duckColumns));

    const types = await postgres.query(
      `SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = '${schema}'
       AND (table_name, column_name) IN (('messages','created'),('messages','metrics'),('campaigns','id'),('broadcasts','active'),('campaign_actions','id'))`,
    );
    expect(Object.fromEntries(types.map((t) => [`${t.table_name}.${t.column_name}`, t.data_type]))).toEqual({
      'messages.created': 'timestamp with time zone',
      'messages.metrics': 'jsonb',
      'campaigns.id': 'bigint',
      'broadcasts.active': 'boolean',
      // Sent as a string of digits, stored as the integer it is.
      'campaign_actions.id': 'bigint',
    });
    const keys = await postgres.query(
      `SELECT tc.table_name, kcu.column_name FROM information_schema.table_constraints tc
       JOIN information_schema.key_column_usage kcu ON tc.constraint_name = kcu.constraint_name AND tc.table_schema = kcu.table_schema
       WHERE tc.table_schema = '${schema}' AND tc.constraint_type = 'PRIMARY KEY' AND tc.table_name IN ('customers','snippets','eps_suppression','segment_dependencies')
       ORDER BY kcu.ordinal_position`,
    );
    const keyColumns: Record<string, string[]> = {};
    for (const k of keys) {
      const table = String(k.table_name);
      keyColumns[table] = [...(keyColumns[table] ?? []), String(k.column_name)];
    }
    expect(keyColumns).toEqual({
      customers: ['cio_id'],
      snippets: ['name'],
      eps_suppression: ['id'],
      segment_dependencies: ['segment_id', 'dependent_type', 'dependent_id'],
    });

    // After the world changes (children and parents added, changed and deleted), a second sync
    // equals it again: rows gone from the API, children of deleted parents included, marked deleted.
    sim.advance({ seconds: 7200, updateFraction: 0.1, addFraction: 0.05, deleteFraction: 0.05 });
    // Complete reads: a read of what changed leaves deletions to the next complete read.
    const again = await runCli([...base, '--full-refresh', ...postgres.args], { env });
    expect(again.code, again.stderr).toBe(0);
    expectLoadedMatchesTruth(await postgres.read(STREAM_NAMES), sim.truth() as unknown as TruthLike);
    const deleted = await postgres.query(
      `SELECT count(*)::int AS n FROM "${schema}".campaign_actions WHERE _cio_deleted_at IS NOT NULL`,
    );
    expect(Number(deleted[0]?.n)).toBeGreaterThan(0);
  });
});
