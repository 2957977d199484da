import type { LogicalType } from '../sql/column-types.js';
import { quoteIdentifier } from '../sql/quote-identifier.js';
import type { SqlDialect } from '../sql/sql-dialect.js';
import { isPostgresDataError, isTransientPostgresError } from './postgres-errors.js';
import { postgresIntrospection } from './postgres-introspection.js';

const COLUMN_TYPES: Readonly<Record<LogicalType, string>> = {
  text: 'TEXT',
  bigint: 'BIGINT',
  double: 'DOUBLE PRECISION',
  boolean: 'BOOLEAN',
  timestamptz: 'TIMESTAMPTZ',
  json: 'JSONB',
};

/**
 * PostgreSQL's capabilities for one schema (already a valid identifier). Quoted identifiers are case
 * sensitive, so `Email` and `email` are distinct columns; names over 63 bytes, which PostgreSQL would
 * silently truncate, become a prefix plus a hash of the full name.
 */
export function postgresDialect(schema: string): SqlDialect {
  return {
    engine: 'PostgreSQL',
    columnTypes: COLUMN_TYPES,
    identifiers: POSTGRES_IDENTIFIERS,
    // PostgreSQL refuses a 1601st column, but a row must also fit one 8 KB page, and fixed-width
    // values (bigint, double, timestamptz: 8 bytes each) cannot move out of it: 1000 of them fit.
    maxColumns: 1000,
    quote: quoteIdentifier,
    placeholder: (index) => `$${index}`,
    introspection: postgresIntrospection(schema),
    tableRef: (table) => `${quoteIdentifier(schema)}.${quoteIdentifier(table)}`,
    // In the schema, so the loading session and the merging one both see them; UNLOGGED: a crash
    // loses nothing that matters, since an uncommitted batch is read again.
    stagingRef: (table) => `${quoteIdentifier(schema)}.${quoteIdentifier(table)}`,
    createStaging: 'CREATE UNLOGGED TABLE',
    stagingTypes: COLUMN_TYPES,
    fromStaging: (_type, column) => column,
    upsert: 'on_conflict',
    isTransient: isTransientPostgresError,
    isAboutData: isPostgresDataError,
  };
}

export const POSTGRES_IDENTIFIERS = { maxBytes: 63, caseInsensitive: false, textRefusesNul: true } as const;
