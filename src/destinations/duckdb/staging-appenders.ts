import type { DuckDBAppender, DuckDBConnection } from '@duckdb/node-api';
import type { ColumnValue } from '../sql/column-values.js';
import type { ColumnInfo } from '../sql/table-layout.js';
import { DUCKDB_STAGING, duckDbAppenders, isOutOfMemory } from './duckdb-types.js';

/**
 * Rows appended between flushes. Each flush is a commit with a fixed cost (about 2 ms, half the
 * appending work at one flush per 1000-row page), so pages are flushed a few at a time.
 */
export const FLUSH_ROWS = 5000;

type Rows = readonly (readonly ColumnValue[])[];

interface OpenAppender {
  appender: DuckDBAppender;
  columns: readonly ColumnInfo[];
  /** Appended since the last flush: a flush that fails drops them, so they are kept to append again. */
  unflushed: Rows[];
  rows: number;
}

/** Runs work with a larger memory budget (and returns what it returns). */
export type WithHeadroom = <T>(work: () => Promise<T>) => Promise<T>;

/**
 * One Appender per staging table, kept open across pages and flushed every FLUSH_ROWS rows and when
 * the batch is finished. A flush that runs out of memory is done again, from the kept rows, with
 * headroom; any other failure loses the table's unflushed rows, so the caller drops the batch.
 */
export class StagingAppenders {
  private readonly open = new Map<string, OpenAppender>();

  constructor(
    private readonly connection: DuckDBConnection,
    private readonly headroom: WithHeadroom,
  ) {}

  async load(table: string, columns: readonly ColumnInfo[], rows: Rows): Promise<void> {
    let entry = this.open.get(table);
    if (entry === undefined) {
      entry = { appender: await this.create(table), columns, unflushed: [], rows: 0 };
      this.open.set(table, entry);
    }
    try {
      appendRows(entry.appender, columns, rows);
    } catch (error) {
      this.discard(table);
      throw error;
    }
    entry.unflushed.push(rows);
    entry.rows += rows.length;
    if (entry.rows >= FLUSH_ROWS) await this.flush(table, entry);
  }

  /** Flushes and closes the table's Appender: every row loaded is now in the table. */
  async finish(table: string): Promise<void> {
    const entry = this.open.get(table);
    if (entry === undefined) return;
    await this.flush(table, entry);
    this.open.delete(table);
    entry.appender.closeSync();
  }

  /** Drops every Appender and what it has not flushed (their batches are abandoned). */
  discardAll(): void {
    for (const table of [...this.open.keys()]) this.discard(table);
  }

  private async flush(table: string, entry: OpenAppender): Promise<void> {
    try {
      entry.appender.flushSync();
    } catch (error) {
      if (!isOutOfMemory(error)) {
        this.discard(table);
        throw error;
      }
      // The failed flush dropped what it held: append the same rows again, with room to flush them.
      entry.appender.clear();
      entry.appender.closeSync();
      try {
        entry.appender = await this.headroom(async () => {
          const appender = await this.create(table);
          try {
            for (const rows of entry.unflushed) appendRows(appender, entry.columns, rows);
            appender.flushSync();
            return appender;
          } catch (retryError) {
            appender.clear();
            appender.closeSync();
            throw retryError;
          }
        });
      } catch (retryError) {
        this.open.delete(table);
        throw retryError;
      }
    }
    entry.unflushed = [];
    entry.rows = 0;
  }

  private discard(table: string): void {
    const entry = this.open.get(table);
    if (entry === undefined) return;
    this.open.delete(table);
    try {
      entry.appender.clear();
      entry.appender.closeSync();
    } catch {
      // The Appender is being thrown away; its table is dropped with the batch.
    }
  }

  private create(table: string): Promise<DuckDBAppender> {
    return this.connection.createAppender(table, DUCKDB_STAGING.schema, DUCKDB_STAGING.catalog);
  }
}

function appendRows(appender: DuckDBAppender, columns: readonly ColumnInfo[], rows: Rows): void {
  const appenders = columns.map((info) => duckDbAppenders[info.type]);
  for (const row of rows) {
    for (let index = 0; index < appenders.length; index++) {
      const value = row[index] ?? null;
      if (value === null) appender.appendNull();
      else appenders[index]?.(appender, value);
    }
    appender.endRow();
  }
}
