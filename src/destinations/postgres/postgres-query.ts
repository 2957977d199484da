import type { QueryArrayConfig } from 'pg';
import type { PostgresDestination } from '../../config/destination.js';
import { fitIdentifier } from '../sql/identifier-names.js';
import { quoteIdentifier } from '../sql/quote-identifier.js';
import { notOneStatementError, type QueryTable, queryFailedError } from '../sql/read-only-query.js';
import { loadPostgresDriver, openClient } from './postgres-connection.js';
import { POSTGRES_IDENTIFIERS } from './postgres-dialect.js';
import { parsePostgresUrl } from './postgres-target.js';

const INT8 = 20;

/** What the server says when one prepared statement holds several. */
const SEVERAL_COMMANDS = /cannot insert multiple commands into a prepared statement/i;

/**
 * Runs one statement read-only (`cio-sync query`): the session defaults to read-only transactions,
 * the statement runs inside `BEGIN READ ONLY` that is rolled back, and it is sent as one prepared
 * statement, which the server refuses to hold two statements (so a `COMMIT; DROP ...` cannot
 * escape the transaction). Unqualified names are the destination schema's tables.
 */
export async function queryPostgres({ url, schema }: PostgresDestination, sql: string): Promise<QueryTable> {
  const { pg } = await loadPostgresDriver();
  const client = await openClient(url, parsePostgresUrl(url), '-c default_transaction_read_only=on');
  // int8 (what count(*) returns) as a BigInt, not text, so it prints as a number like DuckDB's.
  const types = {
    getTypeParser: (oid: number, format?: 'text' | 'binary') =>
      oid === INT8 ? (text: string) => BigInt(text) : pg.types.getTypeParser(oid, format),
  };
  try {
    await client.query('BEGIN READ ONLY');
    await client.query(
      `SET LOCAL search_path TO ${quoteIdentifier(fitIdentifier(schema, POSTGRES_IDENTIFIERS))}, public`,
    );
    try {
      const result = await client.query(
        // queryMode is in pg, not yet in its types.
        { text: sql, rowMode: 'array', queryMode: 'extended', types } as QueryArrayConfig,
      );
      return { columns: result.fields.map((field) => field.name), rows: result.rows as unknown[][] };
    } catch (error) {
      if (error instanceof Error && SEVERAL_COMMANDS.test(error.message)) throw notOneStatementError();
      throw queryFailedError('PostgreSQL', error);
    }
  } finally {
    await client.query('ROLLBACK').catch(() => undefined);
    await client.end().catch(() => undefined);
  }
}
