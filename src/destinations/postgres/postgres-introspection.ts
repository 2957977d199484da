import { type LogicalType, logicalTypeNamed } from '../sql/column-types.js';
import { quoteIdentifier } from '../sql/quote-identifier.js';
import type { SqlIntrospection, SqlQuery } from '../sql/sql-dialect.js';
import { STAGING_PREFIX } from '../sql/sql-statements.js';

/** How `information_schema.columns.data_type` names the column types the sink creates. */
const CATALOG_TYPES: Readonly<Record<LogicalType, string>> = {
  text: 'text',
  bigint: 'bigint',
  double: 'double precision',
  boolean: 'boolean',
  timestamptz: 'timestamp with time zone',
  json: 'jsonb',
};

/** The sink's tables in `schema` of the database the connection is to. */
const IN_THE_SCHEMA = 'table_catalog = current_database() AND table_schema = $1 AND table_name = $2';

export function postgresIntrospection(schema: string): SqlIntrospection {
  return {
    columnsOf: (table) => ({
      sql: `SELECT column_name, data_type FROM information_schema.columns WHERE ${IN_THE_SCHEMA} ORDER BY ordinal_position`,
      params: [schema, table],
    }),
    logicalTypeOf: (dataType) => logicalTypeNamed(CATALOG_TYPES, dataType),
    // to_regclass, unlike information_schema, also sees a table the user holds no privilege on.
    tableExists: (table) => ({
      sql: 'SELECT 1 AS found WHERE to_regclass($1) IS NOT NULL',
      params: [`${quoteIdentifier(schema)}.${quoteIdentifier(table)}`],
    }),
  };
}

/** Staging tables a crashed run left in `schema` (their batches were never committed). */
export function leftoverStagingQuery(schema: string): SqlQuery {
  return {
    sql: `SELECT table_name FROM information_schema.tables
    WHERE table_schema = $1 AND starts_with(table_name, '${STAGING_PREFIX}')`,
    params: [schema],
  };
}
