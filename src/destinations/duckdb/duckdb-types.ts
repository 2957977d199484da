import type { DuckDBAppender } from '@duckdb/node-api';
import { CioError } from '../../core/errors.js';
import type { LogicalType } from '../sql/column-types.js';
import type { ColumnValue } from '../sql/column-values.js';
import { quoteIdentifier } from '../sql/quote-identifier.js';
import type { SqlDialect } from '../sql/sql-dialect.js';

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
  schemaName: 'main',
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
};

/** Where the Appender finds a staging table. */
export const DUCKDB_STAGING = { schema: 'main', catalog: STAGING_DATABASE } as const;

type Append = (appender: DuckDBAppender, value: Exclude<ColumnValue, null>) => void;

/** How each column type's value goes into the Appender. */
export const duckDbAppenders: Readonly<Record<LogicalType, Append>> = {
  text: (appender, value) => appender.appendVarchar(expect('string', value)),
  json: (appender, value) => appender.appendVarchar(expect('string', value)),
  bigint: (appender, value) => appender.appendBigInt(expect('bigint', value)),
  double: (appender, value) => appender.appendDouble(expect('number', value)),
  boolean: (appender, value) => appender.appendBoolean(expect('boolean', value)),
  timestamptz: (appender, value) => appender.appendBigInt(expect('bigint', value)),
};

interface TypeOfValue {
  string: string;
  bigint: bigint;
  number: number;
  boolean: boolean;
}

function expect<K extends keyof TypeOfValue>(kind: K, value: Exclude<ColumnValue, null>): TypeOfValue[K] {
  if (typeof value !== kind) {
    throw new CioError('CIO_ERR_INTERNAL', `DuckDB staging expected a ${kind} value, got a ${typeof value}`);
  }
  return value as TypeOfValue[K];
}

/** DuckDB's ways of saying it ran out of its memory budget. */
export function isOutOfMemory(error: unknown): boolean {
  return (
    error instanceof Error &&
    /out of memory|could not allocate block|failed to pin block/i.test(error.message)
  );
}
