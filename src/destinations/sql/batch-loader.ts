import { CioError } from '../../core/errors.js';
import { failpoint } from '../../core/failpoint.js';
import type { StreamBookmark } from '../../core/state.js';
import type { RejectedRecord, StreamSpec, WriteResult } from '../../engine/sink.js';
import type { Row } from '../../streams/types.js';
import type { LogicalType } from './column-types.js';
import { type RejectedEntry, rejectedEntry, rejectedParams, setAsideUnfitKeys } from './rejected-records.js';
import type { SerialQueue } from './serial-queue.js';
import type { QueryResult, SqlDialect, SqlSession } from './sql-dialect.js';
import {
  createStagingSql,
  dropStagingSql,
  mergeSql,
  STAGING_PREFIX,
  saveRejectedSql,
  stagedCountSql,
} from './sql-statements.js';
import {
  dedupeByPrimaryKey,
  fitRows,
  stageRows,
  undeclaredFields,
  withStorableFieldNames,
} from './stage-batch.js';
import { keyColumnsOf, type TableEvolution } from './table-evolution.js';
import type { ColumnInfo, TableLayout } from './table-layout.js';
import { inTransaction } from './transaction.js';
import { retryTransient } from './transient-retry.js';

/**
 * A stream's batch waiting in its staging table: pages are loaded as they arrive, so a batch's rows
 * wait in the database, not in this process's memory, and the commit only merges them.
 */
interface OpenBatch {
  /** Batches are numbered in the order they open. */
  sequence: number;
  staging: string;
  /** The staging table's columns; undefined until a page with rows created it. */
  columns: ColumnInfo[] | undefined;
  /** Primary keys staged so far: a page that repeats one starts a new batch, so the last row wins. */
  keys: Set<unknown>;
  rows: number;
  coerced: number;
  /** Records of the batch's pages that cannot be stored as they are, by record key (the last wins). */
  rejected: Map<string, RejectedEntry>;
  /** Of those, the ones this sink found (the engine's are counted by the engine). */
  rejectedHere: number;
  /** The bookmark after the last page loaded. */
  bookmark: StreamBookmark;
}

export const NOTHING_WRITTEN: WriteResult = { written: 0, unchanged: 0, coerced: 0 };

/** Rejected records saved per statement (4 parameters each). */
const REJECTED_PER_STATEMENT = 500;

/** The sink's main session, where tables change and batches merge, one operation at a time. */
export interface MainSide {
  session(): SqlSession;
  queue: SerialQueue;
  saveState(session: SqlSession, stream: string, bookmark: StreamBookmark): Promise<void>;
}

/**
 * Loads pages into staging tables and merges each batch into its table with the bookmark of its last
 * page. Pages load on a session of their own while the main session merges the batch before, so
 * the reader is not held up by merges. The two queues never wait on each other in a cycle: main
 * operations never wait for the loader, and the loader waits for main only for a table change or a
 * merge it asked for.
 */
export class BatchLoader {
  private readonly batches = new Map<string, OpenBatch>();
  private opened = 0;
  /**
   * Per stream, after a merge failed: batches opened up to then hold pages read after the failed
   * batch's, so committing them would save a bookmark past rows never written. They are refused.
   */
  private readonly refusedUpTo = new Map<string, number>();
  /**
   * Streams a page failed to load for: the open batch may have lost rows already loaded, so it is
   * dropped, and nothing more of the stream is taken this session (later pages would save a
   * bookmark past the lost ones).
   */
  private readonly failedStreams = new Set<string>();

  constructor(
    private readonly dialect: SqlDialect,
    private readonly tables: TableEvolution,
    private readonly main: MainSide,
    private readonly loader: { session: SqlSession; queue: SerialQueue },
  ) {}

  /** Adds a page to the stream's open batch; see Sink.stage. */
  stage(
    stream: StreamSpec,
    rows: Row[],
    bookmark: StreamBookmark,
    rejected: readonly RejectedRecord[] = [],
  ): Promise<WriteResult> {
    return this.loader.queue(() => this.stageNow(stream, rows, bookmark, rejected));
  }

  /** Merges the stream's open batch once its pages have loaded. */
  commit(stream: StreamSpec): Promise<WriteResult> {
    // The merge is queued in the loader's order but not awaited there, so loading goes on meanwhile.
    return this.loader
      .queue(async () => ({ merged: handled(this.main.queue(await this.seal(stream))) }))
      .then(({ merged }) => merged);
  }

  /** Stages one page and merges its batch: one write. */
  write(
    stream: StreamSpec,
    rows: Row[],
    bookmark: StreamBookmark,
    rejected: readonly RejectedRecord[] = [],
  ): Promise<WriteResult> {
    return this.loader
      .queue(async () => {
        const early = await this.stageNow(stream, rows, bookmark, rejected);
        return { early, merged: handled(this.main.queue(await this.seal(stream))) };
      })
      .then(async ({ early, merged }) => addResults(early, await merged));
  }

  /** Resolves once every page handed over so far has loaded (or failed). */
  drain(): Promise<void> {
    return this.loader.queue(async () => undefined);
  }

  /**
   * Drops the staging tables of batches never committed (best effort: the run is ending); their
   * pages are read again next run.
   */
  async abandon(): Promise<void> {
    for (const batch of this.batches.values()) {
      if (batch.columns === undefined) continue;
      await this.main
        .session()
        .query(dropStagingSql(this.dialect, batch.staging))
        .catch(() => undefined);
    }
    this.batches.clear();
  }

  private async stageNow(
    stream: StreamSpec,
    rows: Row[],
    bookmark: StreamBookmark,
    rejectedByEngine: readonly RejectedRecord[],
  ): Promise<WriteResult> {
    this.refuseFailedStream(stream);
    let layout = await this.layoutFor(stream);
    const keyed = setAsideUnfitKeys(rows, stream.primaryKey, layout);
    const unique = dedupeByPrimaryKey(keyed.rows, stream.primaryKey, layout);
    let undeclared = undeclaredFields(unique.rows, layout);
    const storable = withStorableFieldNames(unique.rows, undeclared, this.dialect.identifiers);
    if (storable !== unique.rows) undeclared = undeclaredFields(storable, layout);
    if (undeclared.size > 0) layout = await this.layoutFor(stream, undeclared);
    const fitted = fitRows(storable, layout, stream.primaryKey);
    if (fitted.misfitFields.size > 0) layout = await this.layoutFor(stream, new Map(), fitted.misfitFields);
    const staged = stageRows(fitted, layout);
    const keys = [...unique.keys];
    let committed = NOTHING_WRITTEN;
    const open = this.batches.get(stream.name);
    if (open?.columns !== undefined && staged.rows.length > 0) {
      const clash = !sameColumns(open.columns, staged.columns) || keys.some((key) => open.keys.has(key));
      if (clash) committed = await this.main.queue(await this.seal(stream));
    }
    const batch = this.batches.get(stream.name) ?? this.openBatch(stream.name, bookmark);
    if (staged.rows.length > 0) {
      const session = this.loader.session;
      try {
        if (batch.columns === undefined) {
          await session.query(dropStagingSql(this.dialect, batch.staging));
          await session.query(createStagingSql(this.dialect, batch.staging, staged.columns));
          batch.columns = staged.columns;
        }
        await session.loadStaging(batch.staging, staged.columns, staged.rows);
      } catch (error) {
        this.failedStreams.add(stream.name);
        this.batches.delete(stream.name);
        await session.query(dropStagingSql(this.dialect, batch.staging)).catch(() => undefined);
        throw error;
      }
      for (const key of keys) batch.keys.add(key);
    }
    batch.rows += staged.rows.length;
    batch.coerced += fitted.coerced;
    for (const entry of rejectedByEngine.map((record) => rejectedEntry(record)))
      batch.rejected.set(entry.key, entry);
    for (const entry of keyed.rejected) batch.rejected.set(entry.key, entry);
    batch.rejectedHere += keyed.rejected.length;
    batch.bookmark = bookmark;
    return committed;
  }

  /** The table's layout with room for these fields; changing the table is the main session's job. */
  private async layoutFor(
    stream: StreamSpec,
    undeclared: ReadonlyMap<string, LogicalType> = new Map(),
    misfitFields: Iterable<string> = [],
  ): Promise<TableLayout> {
    const ensure = () => this.tables.ensure(this.main.session(), stream, undeclared, misfitFields);
    return (
      this.tables.peek(stream, undeclared, misfitFields) ??
      (await this.main.queue(() => retryTransient(this.dialect, ensure)))
    );
  }

  private openBatch(stream: string, bookmark: StreamBookmark): OpenBatch {
    this.opened += 1;
    const batch: OpenBatch = {
      sequence: this.opened,
      staging: `${STAGING_PREFIX}${this.opened}`,
      columns: undefined,
      keys: new Set(),
      rows: 0,
      coerced: 0,
      rejected: new Map(),
      rejectedHere: 0,
      bookmark,
    };
    this.batches.set(stream, batch);
    return batch;
  }

  /**
   * Takes the open batch (later pages open a new one) and finishes loading it; returns its merge, to
   * run on the main session.
   */
  private async seal(stream: StreamSpec): Promise<() => Promise<WriteResult>> {
    this.refuseFailedStream(stream);
    const batch = this.batches.get(stream.name);
    if (batch === undefined) return async () => NOTHING_WRITTEN;
    this.batches.delete(stream.name);
    if (batch.columns !== undefined) {
      const session = this.loader.session;
      try {
        await session.finishStaging?.(batch.staging);
      } catch (error) {
        this.failedStreams.add(stream.name);
        await session.query(dropStagingSql(this.dialect, batch.staging)).catch(() => undefined);
        throw error;
      }
    }
    return () => this.merge(stream, batch);
  }

  private refuseFailedStream(stream: StreamSpec): void {
    if (this.failedStreams.has(stream.name)) {
      throw new CioError(
        'CIO_ERR_INTERNAL',
        `Stream "${stream.name}": a page failed to load, so its batch was dropped and nothing more is taken`,
        { stream: stream.name },
      );
    }
  }

  /**
   * Merges a batch and saves its bookmark in one transaction, then drops its staging table. A batch
   * whose merge failed is dropped too: its pages are read again.
   */
  private async merge(stream: StreamSpec, batch: OpenBatch): Promise<WriteResult> {
    const session = this.main.session();
    if (batch.sequence <= (this.refusedUpTo.get(stream.name) ?? 0)) {
      await session.query(dropStagingSql(this.dialect, batch.staging)).catch(() => undefined);
      throw new CioError(
        'CIO_ERR_INTERNAL',
        `Stream "${stream.name}": an earlier batch failed to merge, so this later one is not committed`,
        { stream: stream.name },
      );
    }
    const { columns } = batch;
    try {
      const layout = await this.tables.ensure(session, stream);
      const keyColumns = keyColumnsOf(stream, layout);
      const skipUnchanged = stream.method === 'incremental';
      const transaction = () =>
        inTransaction(session, async () => {
          // The bookmark goes first so that a failing merge demonstrably takes the bookmark down with it.
          await this.main.saveState(session, stream.name, batch.bookmark);
          await this.saveRejected(session, stream, batch);
          if (columns === undefined) return 0;
          failpoint('mid-batch', stream.name);
          const plan = mergeSql(
            this.dialect,
            layout.table,
            batch.staging,
            columns,
            keyColumns,
            skipUnchanged,
          );
          const present = plan.probe === undefined ? 0 : countOf(await session.query(plan.probe));
          let merged = 0;
          for (const { sql, when } of plan.statements) {
            if (when === undefined || when(present, batch.rows))
              merged += (await session.query(sql)).rowCount;
          }
          return merged;
        });
      // A rolled-back merge leaves the staged batch as it was, so running it again is safe.
      const attempt = () =>
        session.withMemoryHeadroom ? session.withMemoryHeadroom(transaction) : transaction();
      // After a lost connection, unless the server lost the staged rows (crash recovery empties
      // unlogged tables): then the batch is read again next run instead.
      const stagedIntact = async () =>
        columns === undefined ||
        countOf(await session.query(stagedCountSql(this.dialect, batch.staging))) === batch.rows;
      const written = await retryTransient(this.dialect, attempt, stagedIntact);
      return {
        written,
        unchanged: batch.rows - written,
        coerced: batch.coerced,
        ...(batch.rejectedHere > 0 ? { rejected: batch.rejectedHere } : {}),
      };
    } catch (error) {
      this.refusedUpTo.set(stream.name, this.opened);
      throw error;
    } finally {
      // Outside the transaction: DuckDB lets one transaction write to one database only.
      if (columns !== undefined) {
        await session.query(dropStagingSql(this.dialect, batch.staging)).catch(() => undefined);
      }
    }
  }

  /** Saves the batch's rejected records, in the batch's transaction. */
  private async saveRejected(session: SqlSession, stream: StreamSpec, batch: OpenBatch): Promise<void> {
    const entries = [...batch.rejected.values()];
    for (let start = 0; start < entries.length; start += REJECTED_PER_STATEMENT) {
      const chunk = entries.slice(start, start + REJECTED_PER_STATEMENT);
      await session.query(saveRejectedSql(this.dialect, chunk.length), rejectedParams(stream.name, chunk));
    }
  }
}

/** The one number a `SELECT count(*)` returns (drivers give it as a bigint, a number or a string). */
function countOf(result: QueryResult): number {
  const value = Object.values(result.rows[0] ?? {})[0];
  const count = Number(value);
  if (!Number.isSafeInteger(count))
    throw new CioError('CIO_ERR_INTERNAL', `expected a row count, got ${String(value)}`);
  return count;
}

/** A promise awaited later: until then its failure must not count as unhandled. */
function handled<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}

function addResults(a: WriteResult, b: WriteResult): WriteResult {
  const rejected = (a.rejected ?? 0) + (b.rejected ?? 0);
  return {
    written: a.written + b.written,
    unchanged: a.unchanged + b.unchanged,
    coerced: (a.coerced ?? 0) + (b.coerced ?? 0),
    ...(rejected > 0 ? { rejected } : {}),
  };
}

function sameColumns(a: readonly ColumnInfo[], b: readonly ColumnInfo[]): boolean {
  return (
    a.length === b.length &&
    a.every((info, index) => info.column === b[index]?.column && info.type === b[index]?.type)
  );
}
