import { quoteIdentifier } from '../sql/quote-identifier.js';
import type { SqlDialect } from '../sql/sql-dialect.js';
import { duckDbIntrospection } from './duckdb-introspection.js';

/**
 * Staging tables live in an in-memory database attached to the instance, not in `temp`: temporary
 * tables belong to one connection, and pages load on a second connection while the first merges.
 */
export const STAGING_DATABASE = 'cio_staging';

/**
 * DuckDB's capabilities. Its identifiers are case-insensitive even when quoted, so of two fields that
 * differ only in case (`email`, `Email`) the second gets a column named `Email_<8 hex of a hash>`;
 * `_cio_columns` records which field went where. Identifier length is not limited.
 */
export const duckDbDialect: SqlDialect = {
  engine: 'DuckDB',
  columnTypes: {
    text: 'VARCHAR',
    bigint: 'BIGINT',
    double: 'DOUBLE',
    boolean: 'BOOLEAN',
    timestamptz: 'TIMESTAMPTZ',
    json: 'JSON',
  },
  identifiers: { maxBytes: Number.POSITIVE_INFINITY, caseInsensitive: true },
  // No hard limit, but each column added in a transaction costs memory (1,000 took about 400 MB).
  maxColumns: 1000,
  quote: quoteIdentifier,
  placeholder: (index) => `$${index}`,
  introspection: duckDbIntrospection,
  tableRef: (table) => quoteIdentifier(table),
  // In an in-memory database attached for the run, which both of the sink's connections see.
  stagingRef: (table) => `${STAGING_DATABASE}.main.${quoteIdentifier(table)}`,
  createStaging: 'CREATE TABLE',
  // The Appender has no native path for TIMESTAMPTZ (it builds a boxed value per cell), so timestamps
  // are staged as BIGINT microseconds and converted in the merge.
  stagingTypes: {
    text: 'VARCHAR',
    bigint: 'BIGINT',
    double: 'DOUBLE',
    boolean: 'BOOLEAN',
    timestamptz: 'BIGINT',
    json: 'JSON',
  },
  fromStaging: (type, column) => (type === 'timestamptz' ? `make_timestamptz(${column})` : column),
  // A primary-key index (ART) lives in memory and grows with the table, and DuckDB's ON CONFLICT is
  // slower than two hash joins against the staged batch; keys stay unique because the sink upserts.
  upsert: 'update_then_insert',
  // In-process: no connection to lose, and one writer, so no transaction is chosen to fail. A file
  // locked by another process is refused at open, and is the user's to resolve (exit 2).
  isTransient: () => false,
  // DuckDB names the kind of an error first in its message.
  isAboutData: (error) =>
    error instanceof Error &&
    /^(Constraint|Conversion|Invalid Input|Out of Range) Error:/.test(error.message),
};
