import type { DuckDBAppender } from '@duckdb/node-api';
import { CioError } from '../../core/errors.js';
import type { LogicalType } from '../sql/column-types.js';
import type { ColumnValue } from '../sql/column-values.js';
import { STAGING_DATABASE } from './duckdb-dialect.js';

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
