import type { Sink } from '../../engine/sink.js';
import { fitIdentifier } from '../sql/identifier-names.js';
import { createSqlSink } from '../sql/sql-sink.js';
import {
  claimPostgres,
  connectPostgres,
  describePostgres,
  loadPostgresDriver,
} from './postgres-connection.js';
import { POSTGRES_IDENTIFIERS, postgresDialect } from './postgres-dialect.js';
import { parsePostgresUrl } from './postgres-target.js';

export interface PostgresSinkOptions {
  /** postgres://user:password@host:port/database */
  url: string;
  /** Where the tables go; created if missing. */
  schema: string;
}

/** A sink writing into a PostgreSQL schema. Nothing connects before `open()`. */
export function createPostgresSink(opts: PostgresSinkOptions): Sink {
  // Meanwhile the engine checks the key; open() reports a driver that fails to load.
  loadPostgresDriver().catch(() => undefined);
  const schema = fitIdentifier(opts.schema, POSTGRES_IDENTIFIERS);
  const dialect = postgresDialect(schema);
  let destination = `PostgreSQL (schema ${schema})`;
  try {
    destination = describePostgres(parsePostgresUrl(opts.url), schema);
  } catch {
    // An invalid URL is reported by open(), which parses it again.
  }
  return createSqlSink({
    dialect,
    destination,
    connect: () => connectPostgres(opts.url, parsePostgresUrl(opts.url), schema, dialect),
    claim: () => claimPostgres(opts.url, parsePostgresUrl(opts.url), schema, dialect),
  });
}
