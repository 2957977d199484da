import { resolve } from 'node:path';
import type { DuckDbDestination } from '../../config/destination.js';
import type { DestinationEntry } from '../destination-entry.js';
import { preflightDuckDb } from './duckdb-preflight.js';

/** `duckdb:<file>`: a DuckDB database file, created on the first sync. */
export const duckDbDestination: DestinationEntry<DuckDbDestination> = {
  load: async ({ path }) => (await import('./duckdb-sink.js')).createDuckDbSink({ path }),
  preflight: ({ path }) => preflightDuckDb(path),
  openState: async ({ path }, access) =>
    (await import('./duckdb-connection.js')).openDuckDbState(path, access),
  query: async ({ path }, sql) => (await import('./duckdb-query.js')).queryDuckDb(path, sql),
  openShared: async ({ path }) => ({
    dialect: (await import('./duckdb-dialect.js')).duckDbDialect,
    session: await (await import('./duckdb-connection.js')).connectDuckDbShared(path),
  }),
  describe: ({ path }) => `The DuckDB database ${resolve(path)}`,
  tightHeap: true,
};
