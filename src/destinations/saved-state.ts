import { existsSync } from 'node:fs';
import { parseDestination } from '../config/destination.js';
import { CioError } from '../core/errors.js';
import { maskUrlPassword } from '../core/secrets.js';
import type { StreamBookmark, SyncState } from '../core/state.js';
import { loadDuckDb } from './duckdb/duckdb-connection.js';

const STATE_TABLE = '_cio_state';

function quote(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function parseBookmark(value: unknown): StreamBookmark {
  return (typeof value === 'string' ? JSON.parse(value) : value) as StreamBookmark;
}

/**
 * Reads, or deletes, the bookmarks a database destination keeps in `_cio_state`, outside a sync
 * (for `cio-sync state show|reset`). `streams` limits a reset to those tables.
 */
export async function accessSavedState(
  destination: string,
  schema: string,
  action: { kind: 'show' } | { kind: 'reset'; streams?: string[] },
): Promise<SyncState> {
  const parsed = parseDestination(destination);
  const rows =
    parsed.kind === 'duckdb'
      ? await duckdbState(parsed.path, action)
      : await postgresState(parsed.url, schema, action);
  const state: SyncState = { bookmarks: {} };
  for (const row of rows) state.bookmarks[row.stream] = parseBookmark(row.bookmark);
  return state;
}

type StateRow = { stream: string; bookmark: unknown };
type Action = { kind: 'show' } | { kind: 'reset'; streams?: string[] };

async function duckdbState(path: string, action: Action): Promise<StateRow[]> {
  if (!existsSync(path)) return [];
  const { DuckDBInstance } = await loadDuckDb();
  let instance: Awaited<ReturnType<typeof DuckDBInstance.create>>;
  try {
    instance = await DuckDBInstance.create(path, action.kind === 'show' ? { access_mode: 'READ_ONLY' } : {});
  } catch (error) {
    throw new CioError('CIO_ERR_DESTINATION', `Cannot open ${path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const connection = await instance.connect();
  try {
    const exists = await connection.runAndReadAll(
      `SELECT count(*)::INTEGER AS n FROM information_schema.tables WHERE table_name = '${STATE_TABLE}'`,
    );
    if (Number(exists.getRowObjectsJS()[0]?.n ?? 0) === 0) return [];
    if (action.kind === 'reset') await connection.run(resetSql(quote(STATE_TABLE), action.streams));
    const result = await connection.runAndReadAll(
      `SELECT stream, bookmark::VARCHAR AS bookmark FROM ${quote(STATE_TABLE)} ORDER BY stream`,
    );
    return result.getRowObjectsJS() as StateRow[];
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

async function postgresState(url: string, schema: string, action: Action): Promise<StateRow[]> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
  } catch (error) {
    throw new CioError(
      'CIO_ERR_DESTINATION',
      `Cannot connect to ${maskUrlPassword(url)}: ${(error as Error).message}`,
    );
  }
  try {
    const table = `${quote(schema)}.${quote(STATE_TABLE)}`;
    const exists = await client.query('SELECT to_regclass($1) AS t', [table]);
    if (exists.rows[0]?.t === null) return [];
    if (action.kind === 'reset')
      await client.query(resetSql(table, action.streams), action.streams ? [action.streams] : []);
    const result = await client.query(`SELECT stream, bookmark FROM ${table} ORDER BY stream`);
    return result.rows as StateRow[];
  } finally {
    await client.end();
  }
}

function resetSql(table: string, streams: string[] | undefined): string {
  if (!streams) return `DELETE FROM ${table}`;
  // DuckDB takes the list inline; PostgreSQL gets it as $1 (an array).
  return table.includes('.')
    ? `DELETE FROM ${table} WHERE stream = ANY($1)`
    : `DELETE FROM ${table} WHERE stream IN (${streams.map((s) => `'${s.replace(/'/g, "''")}'`).join(', ')})`;
}
