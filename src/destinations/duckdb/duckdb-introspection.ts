import { type LogicalType, logicalTypeNamed } from '../sql/column-types.js';
import type { SqlIntrospection } from '../sql/sql-dialect.js';

/** How `information_schema.columns.data_type` names the column types the sink creates. */
const CATALOG_TYPES: Readonly<Record<LogicalType, string>> = {
  text: 'VARCHAR',
  bigint: 'BIGINT',
  double: 'DOUBLE',
  boolean: 'BOOLEAN',
  timestamptz: 'TIMESTAMP WITH TIME ZONE',
  json: 'JSON',
};

/**
 * The sink's tables live in the schema `main` of the database file. The staging database attached
 * beside it has a `main` schema too, so every question also names the file's catalog.
 */
const IN_THE_FILE = 'table_catalog = current_database() AND table_schema = $1 AND table_name = $2';

export const duckDbIntrospection: SqlIntrospection = {
  columnsOf: (table) => ({
    sql: `SELECT column_name, data_type FROM information_schema.columns WHERE ${IN_THE_FILE} ORDER BY ordinal_position`,
    params: ['main', table],
  }),
  logicalTypeOf: (dataType) => logicalTypeNamed(CATALOG_TYPES, dataType),
  tableExists: (table) => ({
    sql: `SELECT 1 AS found FROM information_schema.tables WHERE ${IN_THE_FILE}`,
    params: ['main', table],
  }),
};
