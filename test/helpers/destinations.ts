import { copyFileSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { type DbRow, queryDuckDb, readDuckDb } from './duckdb.js';
import { copySchema, dropSchema, PG_URL, queryPostgres, readPostgres } from './postgres.js';

/** One destination under test, with the same questions asked of DuckDB and PostgreSQL. */
export interface TestDestination {
  engine: 'duckdb' | 'postgres';
  /** CLI flags that select it. */
  args: string[];
  read(tables: readonly string[]): Promise<Record<string, DbRow[]>>;
  query(sql: string): Promise<DbRow[]>;
  /** A table's qualified, quoted name for SQL in `query`. */
  table(name: string): string;
  /** Bookmarks saved in `_cio_state`. */
  bookmarks(): Promise<Record<string, Record<string, unknown>>>;
  /**
   * Makes `target` (an empty destination of the same engine) hold what this one holds, as a sync
   * would find it: cheaper than syncing it again.
   */
  copyTo(target: TestDestination): Promise<void>;
  cleanup(): Promise<void>;
}

const DUCKDB_FILES = ['', '.wal'];

function parseBookmarks(rows: DbRow[]): Record<string, Record<string, unknown>> {
  return Object.fromEntries(
    rows.map((r) => [String(r.stream), JSON.parse(String(r.bookmark)) as Record<string, unknown>]),
  );
}

function duckdbFile(destination: TestDestination): string {
  const [flag, value] = destination.args;
  if (destination.engine !== 'duckdb' || flag !== '--destination' || !value?.startsWith('duckdb:')) {
    throw new Error(`not a DuckDB test destination: ${destination.args.join(' ')}`);
  }
  return value.slice('duckdb:'.length);
}

function postgresSchema(destination: TestDestination): string {
  const at = destination.args.indexOf('--schema');
  const schema = destination.args[at + 1];
  if (destination.engine !== 'postgres' || at < 0 || schema === undefined) {
    throw new Error(`not a PostgreSQL test destination: ${destination.args.join(' ')}`);
  }
  return schema;
}

export function duckdbDestination(dir: string, name: string): TestDestination {
  const file = join(dir, `${name}.duckdb`);
  const destination: TestDestination = {
    engine: 'duckdb',
    args: ['--destination', `duckdb:${file}`],
    read: (tables) => readDuckDb(file, tables),
    query: (sql) => queryDuckDb(file, sql),
    table: (table) => `"${table}"`,
    bookmarks: async () =>
      parseBookmarks(await queryDuckDb(file, 'SELECT stream, bookmark::VARCHAR AS bookmark FROM _cio_state')),
    copyTo: async (target) => {
      const copy = duckdbFile(target);
      for (const suffix of DUCKDB_FILES) {
        if (existsSync(`${file}${suffix}`)) copyFileSync(`${file}${suffix}`, `${copy}${suffix}`);
      }
    },
    cleanup: async () => {
      for (const suffix of DUCKDB_FILES) rmSync(`${file}${suffix}`, { force: true });
    },
  };
  return destination;
}

export function postgresDestination(schema: string): TestDestination {
  return {
    engine: 'postgres',
    args: ['--destination', PG_URL, '--schema', schema],
    read: (tables) => readPostgres(schema, tables),
    query: (sql) => queryPostgres(sql),
    table: (table) => `"${schema}"."${table}"`,
    bookmarks: async () =>
      parseBookmarks(
        await queryPostgres(`SELECT stream, bookmark::text AS bookmark FROM "${schema}"."_cio_state"`),
      ),
    copyTo: (target) => copySchema(schema, postgresSchema(target)),
    cleanup: () => dropSchema(schema),
  };
}
