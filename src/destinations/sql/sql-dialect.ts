import type { LogicalType } from './column-types.js';
import type { ColumnValue } from './column-values.js';
import type { IdentifierRules } from './identifier-names.js';
import type { ColumnInfo } from './table-layout.js';

/**
 * What differs between the SQL engines, as data: the shared sink reads this record instead of
 * branching on the engine's name.
 */
export interface SqlDialect {
  /** Shown in messages: "DuckDB", "PostgreSQL". */
  readonly engine: string;
  /** The SQL type of each column type. */
  readonly columnTypes: Readonly<Record<LogicalType, string>>;
  readonly identifiers: IdentifierRules;
  /**
   * Most columns a data table gets (metadata included); fields beyond it share one JSON overflow
   * column. Each engine says why its number.
   */
  readonly maxColumns: number;
  /** An identifier (table, column, schema) quoted for this engine. */
  quote(name: string): string;
  /** The text standing for the `index`-th (from 1) parameter of a statement. */
  placeholder(index: number): string;
  /** The engine's catalog questions about the sink's own tables. */
  readonly introspection: SqlIntrospection;
  /** Qualified, quoted reference to one of the sink's tables. */
  tableRef(table: string): string;
  /** Qualified, quoted reference to a staging table, which both of the sink's sessions can read. */
  stagingRef(table: string): string;
  /** How a staging table is created: `CREATE TABLE`, or a kind that skips the durability log. */
  readonly createStaging: string;
  /** The SQL type of each column type in the staging table (what the bulk loader writes fastest). */
  readonly stagingTypes: Readonly<Record<LogicalType, string>>;
  /** The expression turning a staged column (quoted name) into the target column's type. */
  fromStaging(type: LogicalType, column: string): string;
  /**
   * How staged rows reach a data table. `on_conflict`: one INSERT ... ON CONFLICT on the declared
   * primary key. `update_then_insert`: UPDATE the rows whose key is present, then INSERT the others,
   * joined on the key columns, so the table needs no primary-key index.
   */
  readonly upsert: 'on_conflict' | 'update_then_insert';
  /**
   * Whether an engine error is transient: the connection dropped, the server is shutting down or
   * starting, or it chose this transaction to fail (serialization, deadlock). The transaction it
   * was in rolled back, so running that transaction again is safe.
   */
  isTransient(error: unknown): boolean;
  /**
   * Whether an engine error is about one table's data (a value, a row or a constraint it refuses):
   * that table fails alone, the destination itself works.
   */
  isAboutData(error: unknown): boolean;
}

export type SqlParam = string | null;

/** A statement with the parameters its placeholders stand for. */
export interface SqlQuery {
  sql: string;
  params: SqlParam[];
}

/**
 * What the shared sink asks the engine's catalog. Each engine names its catalog, schemas and
 * system views its own way, so it writes these queries itself.
 */
export interface SqlIntrospection {
  /**
   * The columns of one of the sink's tables, in table order, as rows of `column_name` and
   * `data_type` (the catalog's type name); no rows: no such table.
   */
  columnsOf(table: string): SqlQuery;
  /** The column type a catalog type name (`data_type` above) stands for; undefined for any other type. */
  logicalTypeOf(dataType: string): LogicalType | undefined;
  /** One row if one of the sink's tables exists, none otherwise. */
  tableExists(table: string): SqlQuery;
}

export interface QueryResult {
  rows: Record<string, unknown>[];
  /** Rows inserted, updated or deleted by the statement. */
  rowCount: number;
}

/** One connection to the destination, holding its lock until closed. */
export interface SqlSession {
  query(sql: string, params?: readonly SqlParam[]): Promise<QueryResult>;
  /**
   * Bulk-loads rows into the (already created) staging table `table`, whose columns are `columns`.
   * On failure, rows of this table not yet finished may be lost: the caller drops its batch.
   */
  loadStaging(
    table: string,
    columns: readonly ColumnInfo[],
    rows: readonly (readonly ColumnValue[])[],
  ): Promise<void>;
  /**
   * Runs `work` (a whole transaction); an engine with a small memory budget runs it once more with a
   * larger one if it ran out of memory. Absent: the engine manages its own memory.
   */
  withMemoryHeadroom?<T>(work: () => Promise<T>): Promise<T>;
  /**
   * Makes every row loaded into a staging table visible to queries (an engine may buffer loads).
   * Absent: each load is visible once it returns.
   */
  finishStaging?(table: string): Promise<void>;
  /**
   * A second session on the same destination that sees the staging tables this one merges from, so
   * pages load while a batch merges.
   */
  openLoader(): Promise<SqlSession>;
  /** Releases the lock and the connection. Never throws. */
  close(): Promise<void>;
}

/** How to reach one engine's destination. */
export interface SqlDriver {
  readonly dialect: SqlDialect;
  /** The destination in words for messages (never with a password). */
  readonly destination: string;
  /** Connects and takes the destination's lock; throws CioError CIO_ERR_DESTINATION when it cannot. */
  connect(): Promise<SqlSession>;
  /**
   * Optional: connects and takes the lock only if the destination exists (creating nothing);
   * undefined when it does not. Throws as `connect` does.
   */
  claim?(): Promise<SqlSession | undefined>;
}
