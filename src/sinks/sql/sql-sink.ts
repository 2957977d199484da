import { CioError } from '../../api/errors.js';
import { failpoint } from '../../engine/failpoint.js';
import type { StreamBookmark, SyncState } from '../../engine/state.js';
import type { Row } from '../../streams/types.js';
import type {
  CompleteFullTable,
  RunInfo,
  RunOutcome,
  Sink,
  SinkCapabilities,
  StreamSpec,
  WriteResult,
} from '../sink.js';
import { destinationError } from './destination-error.js';
import { createSerialQueue } from './serial-queue.js';
import type { SqlDialect, SqlDriver, SqlSession } from './sql-dialect.js';
import {
  bootstrapStatements,
  createStagingSql,
  dropStagingSql,
  finishRunSql,
  loadStateSql,
  markDeletedSql,
  mergeSql,
  STAGING_PREFIX,
  saveStateSql,
  startRunSql,
} from './sql-statements.js';
import { dedupeByPrimaryKey, fitRows, stageRows, undeclaredFields } from './stage-batch.js';
import { keyColumnsOf, TableEvolution } from './table-evolution.js';
import type { ColumnInfo } from './table-layout.js';
import { inTransaction } from './transaction.js';

/**
 * A stream's batch waiting in its staging table: pages are loaded as they arrive, so a batch's rows
 * wait in the database, not in this process's memory, and the commit only merges them.
 */
interface OpenBatch {
  staging: string;
  /** The staging table's columns; undefined until a page with rows created it. */
  columns: ColumnInfo[] | undefined;
  /** Primary keys staged so far: a page that repeats one starts a new batch, so the last row wins. */
  keys: Set<unknown>;
  rows: number;
  coerced: number;
  bookmark: StreamBookmark;
}

const NOTHING_WRITTEN: WriteResult = { written: 0, unchanged: 0, coerced: 0 };

/**
 * The database sink shared by every SQL engine; what differs per engine comes from the driver and its
 * dialect record. Operations run one at a time on the session's single connection.
 */
export function createSqlSink(driver: SqlDriver): Sink {
  return new SqlSink(driver);
}

class SqlSink implements Sink {
  readonly capabilities: SinkCapabilities = { transactionalState: true, storesState: true };
  private session: SqlSession | undefined;
  private runId = '';
  private readonly serial = createSerialQueue();
  private readonly batches = new Map<string, OpenBatch>();
  private stagingTables = 0;
  private readonly dialect: SqlDialect;
  private readonly tables: TableEvolution;

  constructor(private readonly driver: SqlDriver) {
    this.dialect = driver.dialect;
    this.tables = new TableEvolution(driver.dialect);
  }

  open(run: RunInfo): Promise<SyncState> {
    return this.serial(() => this.guard('opening', () => this.openNow(run)));
  }

  prepareStream(stream: StreamSpec): Promise<void> {
    return this.serial(() =>
      this.guard(
        `preparing the table of stream "${stream.name}"`,
        async () => {
          await this.tables.ensure(this.requireSession(), stream);
        },
        stream.name,
      ),
    );
  }

  write(stream: StreamSpec, rows: Row[], bookmark: StreamBookmark): Promise<WriteResult> {
    return this.serial(() =>
      this.guard(
        `writing ${rows.length} rows of stream "${stream.name}"`,
        async () => addResults(await this.stageNow(stream, rows, bookmark), await this.commitNow(stream)),
        stream.name,
      ),
    );
  }

  stage(stream: StreamSpec, rows: Row[], bookmark: StreamBookmark): Promise<WriteResult> {
    return this.serial(() =>
      this.guard(
        `staging ${rows.length} rows of stream "${stream.name}"`,
        () => this.stageNow(stream, rows, bookmark),
        stream.name,
      ),
    );
  }

  commit(stream: StreamSpec): Promise<WriteResult> {
    const rows = this.batches.get(stream.name)?.rows ?? 0;
    return this.serial(() =>
      this.guard(
        `writing ${rows} rows of stream "${stream.name}"`,
        () => this.commitNow(stream),
        stream.name,
      ),
    );
  }

  completeFullTable(stream: StreamSpec, done: CompleteFullTable, bookmark: StreamBookmark): Promise<number> {
    return this.serial(() =>
      this.guard(
        `marking deleted rows of stream "${stream.name}"`,
        () => this.completeNow(stream, done, bookmark),
        stream.name,
      ),
    );
  }

  saveBookmark(stream: StreamSpec, bookmark: StreamBookmark): Promise<void> {
    return this.serial(() =>
      this.guard(
        `saving the bookmark of stream "${stream.name}"`,
        async () => {
          await this.saveState(this.requireSession(), stream.name, bookmark);
        },
        stream.name,
      ),
    );
  }

  close(outcome: RunOutcome): Promise<void> {
    return this.serial(() => this.guard('closing', () => this.closeNow(outcome)));
  }

  private async openNow(run: RunInfo): Promise<SyncState> {
    if (this.session) {
      throw new CioError('CIO_ERR_INTERNAL', `${this.driver.destination} is already open in this sink`);
    }
    const session = await this.driver.connect();
    try {
      for (const sql of bootstrapStatements(this.dialect)) await session.query(sql);
      const streams = JSON.stringify(run.streams.map((stream) => stream.name));
      await session.query(startRunSql(this.dialect), [run.runId, run.startedAt.toISOString(), streams]);
      const saved = await session.query(loadStateSql(this.dialect));
      const bookmarks: Record<string, StreamBookmark> = {};
      for (const row of saved.rows) {
        const stream = String(row.stream);
        bookmarks[stream] = this.parseBookmark(stream, row.bookmark);
      }
      this.session = session;
      this.runId = run.runId;
      this.tables.clear();
      this.batches.clear();
      return { bookmarks };
    } catch (error) {
      await session.close();
      throw error;
    }
  }

  private async closeNow(outcome: RunOutcome): Promise<void> {
    const session = this.session;
    if (!session) return;
    this.session = undefined;
    this.tables.clear();
    // Batches never committed are dropped with the session: their pages are read again next run.
    this.batches.clear();
    try {
      const errors = Object.entries(outcome.streams)
        .filter(([, stats]) => stats.error !== undefined)
        .map(([name, stats]) => `${name}: ${stats.error}`);
      await session.query(finishRunSql(this.dialect), [
        this.runId,
        outcome.status,
        outcome.finishedAt.toISOString(),
        JSON.stringify(outcome.streams),
        errors.length === 0 ? null : errors.join('\n'),
      ]);
    } finally {
      await session.close();
    }
  }

  /**
   * Loads a page into the stream's open batch. A page whose columns or keys clash with the batch
   * commits the batch first (with the bookmark of its last page) and opens a new one; returns what
   * that commit wrote.
   */
  private async stageNow(stream: StreamSpec, rows: Row[], bookmark: StreamBookmark): Promise<WriteResult> {
    const session = this.requireSession();
    let layout = await this.tables.ensure(session, stream);
    const unique = dedupeByPrimaryKey(rows, stream.primaryKey, layout);
    const undeclared = undeclaredFields(unique.rows, layout);
    if (undeclared.size > 0) layout = await this.tables.ensure(session, stream, undeclared);
    const fitted = fitRows(unique.rows, layout, stream.primaryKey);
    if (fitted.misfitFields.size > 0) {
      layout = await this.tables.ensure(session, stream, new Map(), fitted.misfitFields);
    }
    const staged = stageRows(fitted, layout);
    const keys = [...unique.keys];
    let committed = NOTHING_WRITTEN;
    const open = this.batches.get(stream.name);
    if (open?.columns !== undefined && staged.rows.length > 0) {
      const clash = !sameColumns(open.columns, staged.columns) || keys.some((key) => open.keys.has(key));
      if (clash) committed = await this.commitNow(stream);
    }
    const batch = this.batches.get(stream.name) ?? this.openBatch(stream.name, bookmark);
    if (staged.rows.length > 0) {
      if (batch.columns === undefined) {
        await session.query(dropStagingSql(this.dialect, batch.staging));
        await session.query(createStagingSql(this.dialect, batch.staging, staged.columns));
        batch.columns = staged.columns;
      }
      await session.loadStaging(batch.staging, staged.columns, staged.rows);
      for (const key of keys) batch.keys.add(key);
    }
    // Only now: if loading failed part-way, a commit must not claim this page was read. Rows of it
    // that did load are committed under an earlier bookmark, and read again (and merged again) later.
    batch.rows += staged.rows.length;
    batch.coerced += fitted.coerced;
    batch.bookmark = bookmark;
    return committed;
  }

  private openBatch(stream: string, bookmark: StreamBookmark): OpenBatch {
    this.stagingTables += 1;
    const batch: OpenBatch = {
      staging: `${STAGING_PREFIX}${this.stagingTables}`,
      columns: undefined,
      keys: new Set(),
      rows: 0,
      coerced: 0,
      bookmark,
    };
    this.batches.set(stream, batch);
    return batch;
  }

  /** Merges the stream's open batch and saves the bookmark of its last page, in one transaction. */
  private async commitNow(stream: StreamSpec): Promise<WriteResult> {
    const session = this.requireSession();
    const batch = this.batches.get(stream.name);
    if (batch === undefined) return NOTHING_WRITTEN;
    const layout = await this.tables.ensure(session, stream);
    const keyColumns = keyColumnsOf(stream, layout);
    const { columns } = batch;
    const merge = () =>
      inTransaction(session, async () => {
        // The bookmark goes first so that a failing merge demonstrably takes the bookmark down with it.
        await this.saveState(session, stream.name, batch.bookmark);
        if (columns === undefined) return 0;
        failpoint('mid-batch', stream.name);
        let merged = 0;
        const skipUnchanged = stream.method === 'incremental';
        for (const sql of mergeSql(
          this.dialect,
          layout.table,
          batch.staging,
          columns,
          keyColumns,
          skipUnchanged,
        )) {
          merged += (await session.query(sql)).rowCount;
        }
        await session.query(dropStagingSql(this.dialect, batch.staging));
        return merged;
      });
    // The batch is done either way: a merge that failed is not retried, its pages are read again.
    this.batches.delete(stream.name);
    let written: number;
    try {
      // A rolled-back merge leaves the staged batch as it was, so running it again is safe.
      written = await (session.withMemoryHeadroom ? session.withMemoryHeadroom(merge) : merge());
    } catch (error) {
      await session.query(dropStagingSql(this.dialect, batch.staging)).catch(() => undefined);
      throw error;
    }
    return { written, unchanged: batch.rows - written, coerced: batch.coerced };
  }

  private async completeNow(
    stream: StreamSpec,
    done: CompleteFullTable,
    bookmark: StreamBookmark,
  ): Promise<number> {
    const session = this.requireSession();
    const layout = await this.tables.ensure(session, stream);
    const params = [done.readStartedAt.toISOString()];
    let agedOutColumn: string | undefined;
    const window = done.agedOutBefore;
    // A time column never created holds only nulls, and null time values are never aged out.
    const info = window === undefined ? undefined : layout.values.get(window.column);
    if (window !== undefined && info !== undefined) {
      if (info.type !== 'timestamptz') {
        throw new CioError(
          'CIO_ERR_INTERNAL',
          `Stream "${stream.name}": the aged-out column "${window.column}" is not a timestamp column`,
          { stream: stream.name },
        );
      }
      agedOutColumn = info.column;
      params.push(window.before.toISOString());
    }
    return inTransaction(session, async () => {
      await this.saveState(session, stream.name, bookmark);
      const marked = await session.query(markDeletedSql(this.dialect, layout.table, agedOutColumn), params);
      return marked.rowCount;
    });
  }

  private async saveState(session: SqlSession, stream: string, bookmark: StreamBookmark): Promise<void> {
    await session.query(saveStateSql(this.dialect), [stream, JSON.stringify(bookmark)]);
  }

  private parseBookmark(stream: string, text: unknown): StreamBookmark {
    let parsed: unknown;
    try {
      parsed = typeof text === 'string' ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new CioError(
        'CIO_ERR_STATE',
        `${this.driver.destination}: the bookmark saved for stream "${stream}" in _cio_state is not a JSON object; fix or delete that row`,
        { stream },
      );
    }
    return parsed as StreamBookmark;
  }

  private requireSession(): SqlSession {
    if (!this.session) {
      throw new CioError('CIO_ERR_INTERNAL', `${this.driver.destination} is not open: call open() first`);
    }
    return this.session;
  }

  private async guard<T>(action: string, work: () => Promise<T>, stream?: string): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw destinationError(this.driver.destination, action, error, stream);
    }
  }
}

function addResults(a: WriteResult, b: WriteResult): WriteResult {
  return {
    written: a.written + b.written,
    unchanged: a.unchanged + b.unchanged,
    coerced: (a.coerced ?? 0) + (b.coerced ?? 0),
  };
}

function sameColumns(a: readonly ColumnInfo[], b: readonly ColumnInfo[]): boolean {
  return (
    a.length === b.length &&
    a.every((info, index) => info.column === b[index]?.column && info.type === b[index]?.type)
  );
}
