import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import type { PostgresDestination } from '../../config/destination.js';
import { CioError } from '../../core/errors.js';
import type { ColumnValue } from '../sql/column-values.js';
import { fitIdentifier } from '../sql/identifier-names.js';
import { quoteIdentifier } from '../sql/quote-identifier.js';
import type { StateConnection } from '../sql/saved-state.js';
import type { QueryResult, SqlDialect, SqlParam, SqlSession } from '../sql/sql-dialect.js';
import { dropStagingSql } from '../sql/sql-statements.js';
import type { ColumnInfo } from '../sql/table-layout.js';
import { POSTGRES_IDENTIFIERS, postgresDialect } from './postgres-dialect.js';
import { isTransientPostgresError } from './postgres-errors.js';
import { leftoverStagingQuery } from './postgres-introspection.js';
import { type PostgresTarget, parsePostgresUrl, redact } from './postgres-target.js';
import { copyEncoders, copyLine } from './postgres-types.js';

const CONNECT_TIMEOUT_MS = 15_000;
const LINES_PER_CHUNK = 2_000;

export function describePostgres(target: PostgresTarget, schema: string): string {
  return `PostgreSQL ${target.label} (schema ${quoteIdentifier(schema)})`;
}

/**
 * Connects, takes the destination lock and creates the schema. The lock is a session advisory lock
 * keyed on the schema, held by this connection for the whole run: PostgreSQL releases it by itself if
 * the process dies.
 */
export function connectPostgres(
  url: string,
  target: PostgresTarget,
  schema: string,
  dialect: SqlDialect,
): Promise<SqlSession> {
  return takePostgres(url, target, schema, dialect, 'connect') as Promise<SqlSession>;
}

/** As connectPostgres, but only into a schema that exists (a claim creates nothing); else undefined. */
export function claimPostgres(
  url: string,
  target: PostgresTarget,
  schema: string,
  dialect: SqlDialect,
): Promise<SqlSession | undefined> {
  return takePostgres(url, target, schema, dialect, 'claim');
}

async function schemaExists(client: pg.Client, schema: string): Promise<boolean> {
  const found = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
  return found.rows.length > 0;
}

async function takePostgres(
  url: string,
  target: PostgresTarget,
  schema: string,
  dialect: SqlDialect,
  mode: 'connect' | 'claim',
): Promise<SqlSession | undefined> {
  const client = await openClient(url, target);
  const lockKey = advisoryLockKey(schema);
  try {
    if (mode === 'claim' && !(await schemaExists(client, schema))) {
      await client.end().catch(() => undefined);
      return undefined;
    }
    if (!(await takeLock(client, lockKey))) {
      throw new CioError(
        'CIO_ERR_DESTINATION',
        `Another cio-sync run is using ${describePostgres(target, schema)}; wait for it to finish, then run again.`,
      );
    }
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(schema)}`);
    // Under the lock, no other run is loading into this schema: what staging tables remain are a
    // crashed run's, whose batches were never committed.
    const leftover = leftoverStagingQuery(schema);
    const leftovers = await client.query(leftover.sql, leftover.params);
    for (const row of leftovers.rows as { table_name: string }[]) {
      await client.query(dropStagingSql(dialect, row.table_name));
    }
  } catch (error) {
    await client.end().catch(() => undefined);
    throw error;
  }
  return new PostgresSession(client, dialect, { url, target }, lockKey);
}

let driver: Promise<{ pg: typeof pg; copyFrom: typeof import('pg-copy-streams')['from'] }> | undefined;

/**
 * Loads the driver once. Not at start-up, so a run into another destination (or `--help`) does not
 * pay for it; a PostgreSQL sink starts it when created, so the load overlaps the key check.
 */
export function loadPostgresDriver(): NonNullable<typeof driver> {
  driver ??= Promise.all([import('pg'), import('pg-copy-streams')]).then(([client, copy]) => ({
    pg: client.default,
    copyFrom: copy.default.from,
  }));
  return driver;
}

/** Connects, or throws a CioError saying why not in words. `options`: server settings for the session. */
export async function openClient(url: string, target: PostgresTarget, options?: string): Promise<pg.Client> {
  const { pg } = await loadPostgresDriver();
  const client = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    application_name: 'cio-sync',
    ...(options === undefined ? {} : { options }),
  });
  // An idle connection that drops emits 'error'; the next query reports it, so it must not crash the process.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    throw connectError(error, target);
  }
  return client;
}

/**
 * Connects for `cio-sync state`: no lock and no schema created, so looking changes nothing; none
 * when the schema does not exist. The tables are where the sink puts them: in the schema named as
 * the sink fits it.
 */
export async function openPostgresState({
  url,
  schema,
}: PostgresDestination): Promise<StateConnection | undefined> {
  const client = await openClient(url, parsePostgresUrl(url));
  const fitted = fitIdentifier(schema, POSTGRES_IDENTIFIERS);
  const found = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [fitted]);
  if (found.rows.length === 0) {
    await client.end().catch(() => undefined);
    return undefined;
  }
  return {
    dialect: postgresDialect(fitted),
    query: async (sql, params = []) => {
      const result = await client.query(sql, [...params]);
      return { rows: result.rows as Record<string, unknown>[], rowCount: result.rowCount ?? 0 };
    },
    close: () => client.end(),
  };
}

/**
 * Connects without the destination lock (a sync may hold it meanwhile) and creates the schema: for
 * tables only `cio-sync serve` writes. Staging tables are left alone, since a sync may be using them.
 */
export async function connectPostgresShared(
  url: string,
  target: PostgresTarget,
  schema: string,
  dialect: SqlDialect,
): Promise<SqlSession> {
  const client = await openClient(url, target);
  try {
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(schema)}`);
    return new PostgresSession(client, dialect, { url, target });
  } catch (error) {
    await client.end().catch(() => undefined);
    throw error;
  }
}

/** Statements that open and end a transaction, as the shared sink writes them. */
const BEGIN = 'BEGIN TRANSACTION';
const ENDS_TRANSACTION = new Set(['COMMIT', 'ROLLBACK']);

class PostgresSession implements SqlSession {
  private closed = false;
  /**
   * Set when a statement failed transiently (the connection may be gone): the next statement
   * outside a transaction connects again first.
   */
  private lost = false;
  private inTransaction = false;

  constructor(
    private client: pg.Client,
    private readonly dialect: SqlDialect,
    private readonly server: { url: string; target: PostgresTarget },
    /** The session holding the destination lock; a loader session has none. */
    private readonly lockKey?: string,
  ) {
    this.watch(client);
  }

  /** A connection ended while idle (the server restarting) is known lost before the next statement. */
  private watch(client: pg.Client): void {
    client.on('error', () => {
      if (client === this.client) this.lost = true;
    });
  }

  async openLoader(): Promise<SqlSession> {
    if (this.lockKey === undefined) {
      throw new CioError('CIO_ERR_INTERNAL', 'a loader session opens no loader of its own');
    }
    return new PostgresSession(
      await openClient(this.server.url, this.server.target),
      this.dialect,
      this.server,
    );
  }

  async query(sql: string, params: readonly SqlParam[] = []): Promise<QueryResult> {
    if (this.lost && sql === 'ROLLBACK') {
      // The lost transaction was rolled back by the server; there is nothing left to roll back.
      this.inTransaction = false;
      return { rows: [], rowCount: 0 };
    }
    const client = await this.usableClient();
    try {
      const result = await client.query(sql, [...params]);
      if (sql === BEGIN) this.inTransaction = true;
      return { rows: result.rows as Record<string, unknown>[], rowCount: result.rowCount ?? 0 };
    } catch (error) {
      if (isTransientPostgresError(error)) this.lost = true;
      throw error;
    } finally {
      if (ENDS_TRANSACTION.has(sql)) this.inTransaction = false;
    }
  }

  async loadStaging(
    table: string,
    columns: readonly ColumnInfo[],
    rows: readonly (readonly ColumnValue[])[],
  ): Promise<void> {
    const names = columns.map((info) => quoteIdentifier(info.column)).join(', ');
    const encoders = columns.map((info) => copyEncoders[info.type]);
    const { copyFrom } = await loadPostgresDriver();
    const client = await this.usableClient();
    try {
      const copy = client.query(copyFrom(`COPY ${this.dialect.stagingRef(table)} (${names}) FROM STDIN`));
      await pipeline(Readable.from(copyChunks(rows, encoders)), copy);
    } catch (error) {
      if (isTransientPostgresError(error)) this.lost = true;
      throw error;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.lockKey !== undefined && !this.lost) {
      try {
        await this.client.query('SELECT pg_advisory_unlock(CAST($1 AS BIGINT))', [this.lockKey]);
      } catch {
        // Ending the session releases the lock as well.
      }
    }
    await this.client.end().catch(() => undefined);
  }

  /**
   * The connection, opened again if it was lost. Inside a transaction it is not: the transaction
   * is gone with the old connection, and its remaining statements must fail, not run on their own.
   */
  private async usableClient(): Promise<pg.Client> {
    if (!this.lost) return this.client;
    if (this.inTransaction) {
      throw lostError(
        this.server.target,
        'the connection was lost during a transaction, which was rolled back',
      );
    }
    await this.client.end().catch(() => undefined);
    let client: pg.Client;
    try {
      client = await openClient(this.server.url, this.server.target);
    } catch (error) {
      throw lostError(this.server.target, `connecting again failed: ${(error as Error).message}`, error);
    }
    if (this.lockKey !== undefined && !(await takeLock(client, this.lockKey))) {
      await client.end().catch(() => undefined);
      throw new CioError(
        'CIO_ERR_DESTINATION',
        `The connection to PostgreSQL at ${this.server.target.label} was lost, and meanwhile another cio-sync run took the destination; this run stops. Committed progress is kept.`,
      );
    }
    this.client = client;
    this.watch(client);
    this.lost = false;
    return client;
  }
}

function lostError(target: PostgresTarget, reason: string, cause?: unknown): CioError {
  return new CioError('CIO_ERR_DESTINATION_LOST', `PostgreSQL at ${target.label}: ${reason}`, {
    ...(cause === undefined ? {} : { cause }),
  });
}

async function takeLock(client: pg.Client, lockKey: string): Promise<boolean> {
  const locked = await client.query('SELECT pg_try_advisory_lock(CAST($1 AS BIGINT)) AS locked', [lockKey]);
  return locked.rows[0]?.locked === true;
}

function* copyChunks(
  rows: readonly (readonly ColumnValue[])[],
  encoders: Parameters<typeof copyLine>[1],
): Generator<string> {
  let chunk = '';
  for (let index = 0; index < rows.length; index++) {
    chunk += copyLine(rows[index] ?? [], encoders);
    if ((index + 1) % LINES_PER_CHUNK === 0) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk !== '') yield chunk;
}

/** A signed 64-bit key from the schema name, stable across processes and versions. */
export function advisoryLockKey(schema: string): string {
  const digest = createHash('sha256').update(`cio-sync:${schema}`).digest();
  return digest.readBigInt64BE(0).toString();
}

function connectError(error: unknown, target: PostgresTarget): CioError {
  const code = errorCode(error);
  const reasons: Record<string, string> = {
    ECONNREFUSED: 'connection refused; check that the server is running and accepts TCP connections there',
    ENOTFOUND: 'host not found; check the host name',
    EAI_AGAIN: 'host name lookup failed; check the host name and DNS',
    ETIMEDOUT: 'connection timed out; check the host, port and firewall',
    '28P01': `authentication failed for user "${target.user}"; check the user name and password`,
    '28000': `the server rejected user "${target.user}"; check pg_hba.conf and the user name`,
    '3D000': `database "${target.database}" does not exist; create it or fix the URL`,
  };
  const message = error instanceof Error ? error.message : String(error);
  const reason =
    reasons[code] ??
    (/timeout/i.test(message) ? reasons.ETIMEDOUT : redact(message, target) || 'unknown error');
  return new CioError('CIO_ERR_DESTINATION', `Cannot connect to PostgreSQL at ${target.label}: ${reason}`, {
    cause: error,
  });
}

function errorCode(error: unknown): string {
  if (typeof error !== 'object' || error === null) return '';
  const { code, errors } = error as { code?: unknown; errors?: unknown };
  if (typeof code === 'string') return code;
  // Node reports every failed address of a multi-address host in an AggregateError.
  return Array.isArray(errors) ? errorCode(errors[0]) : '';
}
