import { parseDestination } from '../config/destination.js';
import { createDuckDbSink } from './duckdb/duckdb-sink.js';
import { createPostgresSink } from './postgres/postgres-sink.js';
import type { Sink } from './sink.js';

/** The database sink for a `destination` setting (duckdb:<file> or postgres://...). */
export function createDatabaseSink(destination: string, schema: string): Sink {
  const parsed = parseDestination(destination);
  return parsed.kind === 'duckdb'
    ? createDuckDbSink({ path: parsed.path })
    : createPostgresSink({ url: parsed.url, schema });
}
