import { CioError } from '../../core/errors.js';
import { isRecord } from '../../core/json.js';
import { type StreamBookmark, type SyncState, stateResetAdvice } from '../../core/state.js';
import type {
  CompleteFullTable,
  RejectedRecord,
  RunInfo,
  RunOutcome,
  Sink,
  SinkCapabilities,
  StreamSpec,
  WriteResult,
} from '../../engine/sink.js';
import type { Row } from '../../streams/types.js';
import { BatchLoader } from './batch-loader.js';
import { destinationError } from './destination-error.js';
import { createSerialQueue } from './serial-queue.js';
import type { SqlDialect, SqlDriver, SqlSession } from './sql-dialect.js';
import {
  bootstrapStatements,
  finishRunSql,
  interruptRunsSql,
  loadStateSql,
  markDeletedSql,
  saveStateSql,
  startRunSql,
  tableCountSql,
} from './sql-statements.js';
import { TableEvolution } from './table-evolution.js';
import { inTransaction } from './transaction.js';
import { retryTransient } from './transient-retry.js';

/**
 * The database sink shared by every SQL engine; what differs per engine comes from the driver and its
 * dialect record. Operations run one at a time on the session's single connection.
 */
export function createSqlSink(driver: SqlDriver): Sink {
  return new SqlSink(driver);
}

class SqlSink implements Sink {
  readonly capabilities: SinkCapabilities = {
    transactionalState: true,
    storesState: true,
    storesRejected: true,
  };
  /** The connection `claim` took, until `open` goes on with it. */
  private claimed: SqlSession | undefined;
  private session: SqlSession | undefined;
  /** The second session: pages load on it while `session` merges. */
  private loaderSession: SqlSession | undefined;
  private loader: BatchLoader | undefined;
  private runId = '';
  private readonly serial = createSerialQueue();
  private readonly dialect: SqlDialect;
  private readonly tables: TableEvolution;

  constructor(private readonly driver: SqlDriver) {
    this.dialect = driver.dialect;
    this.tables = new TableEvolution(driver.dialect);
  }

  claim(): Promise<void> {
    return this.serial(() =>
      this.guard('taking the destination', async () => {
        if (this.claimed || this.session) return;
        this.claimed = await this.driver.claim?.();
      }),
    );
  }

  open(run: RunInfo): Promise<SyncState> {
    return this.serial(() => this.guard('opening', () => this.openNow(run)));
  }

  prepareStream(stream: StreamSpec): Promise<void> {
    return this.serial(() =>
      this.guard(
        `preparing the table of stream "${stream.name}"`,
        async () => {
          await retryTransient(this.dialect, () => this.tables.ensure(this.requireSession(), stream));
        },
        stream.name,
      ),
    );
  }

  write(
    stream: StreamSpec,
    rows: Row[],
    bookmark: StreamBookmark,
    rejected: readonly RejectedRecord[] = [],
  ): Promise<WriteResult> {
    return this.guard(
      `writing ${rows.length} rows of stream "${stream.name}"`,
      () => this.requireLoader().write(stream, rows, bookmark, rejected),
      stream.name,
    );
  }

  stage(
    stream: StreamSpec,
    rows: Row[],
    bookmark: StreamBookmark,
    rejected: readonly RejectedRecord[] = [],
  ): Promise<WriteResult> {
    return this.guard(
      `staging ${rows.length} rows of stream "${stream.name}"`,
      () => this.requireLoader().stage(stream, rows, bookmark, rejected),
      stream.name,
    );
  }

  commit(stream: StreamSpec): Promise<WriteResult> {
    return this.guard(
      `writing the batch of stream "${stream.name}"`,
      () => this.requireLoader().commit(stream),
      stream.name,
    );
  }

  completeFullTable(stream: StreamSpec, done: CompleteFullTable, bookmark: StreamBookmark): Promise<number> {
    return this.serial(() =>
      this.guard(
        `marking deleted rows of stream "${stream.name}"`,
        () => retryTransient(this.dialect, () => this.completeNow(stream, done, bookmark)),
        stream.name,
      ),
    );
  }

  saveBookmark(stream: StreamSpec, bookmark: StreamBookmark): Promise<void> {
    return this.serial(() =>
      this.guard(
        `saving the bookmark of stream "${stream.name}"`,
        () =>
          retryTransient(this.dialect, () => this.saveState(this.requireSession(), stream.name, bookmark)),
        stream.name,
      ),
    );
  }

  countRows(stream: StreamSpec): Promise<number> {
    return this.serial(() =>
      this.guard(
        `counting the rows of stream "${stream.name}"`,
        async () => {
          const session = this.requireSession();
          const layout = await this.tables.ensure(session, stream);
          const counted = await session.query(tableCountSql(this.dialect, layout.table));
          return Number(counted.rows[0]?.count ?? 0);
        },
        stream.name,
      ),
    );
  }

  async close(outcome: RunOutcome): Promise<void> {
    await this.loader?.drain();
    return this.serial(() => this.guard('closing', () => this.closeNow(outcome)));
  }

  private async openNow(run: RunInfo): Promise<SyncState> {
    if (this.session) {
      throw new CioError('CIO_ERR_INTERNAL', `${this.driver.destination} is already open in this sink`);
    }
    const session = this.claimed ?? (await this.driver.connect());
    this.claimed = undefined;
    try {
      for (const sql of bootstrapStatements(this.dialect)) await session.query(sql);
      // Under the destination's lock no other run is live: a run still `running` died unfinished.
      await session.query(interruptRunsSql(this.dialect));
      const streams = JSON.stringify(run.streams.map((stream) => stream.name));
      await session.query(startRunSql(this.dialect), [run.runId, run.startedAt.toISOString(), streams]);
      const saved = await session.query(loadStateSql(this.dialect));
      const bookmarks: Record<string, StreamBookmark> = {};
      for (const row of saved.rows) {
        const stream = String(row.stream);
        bookmarks[stream] = this.parseBookmark(stream, row.bookmark);
      }
      const loaderSession = await session.openLoader();
      this.session = session;
      this.runId = run.runId;
      this.tables.clear();
      this.loaderSession = loaderSession;
      const main = {
        session: () => this.requireSession(),
        queue: this.serial,
        saveState: (s: SqlSession, stream: string, bookmark: StreamBookmark) =>
          this.saveState(s, stream, bookmark),
      };
      this.loader = new BatchLoader(this.dialect, this.tables, main, {
        session: loaderSession,
        queue: createSerialQueue(),
      });
      return { bookmarks };
    } catch (error) {
      await session.close();
      throw error;
    }
  }

  private async closeNow(outcome: RunOutcome): Promise<void> {
    // Claimed but never opened (the key was refused): nothing to record, only the lock to release.
    await this.claimed?.close();
    this.claimed = undefined;
    const session = this.session;
    if (!session) return;
    const loaderSession = this.loaderSession;
    this.loaderSession = undefined;
    await loaderSession?.close();
    // Batches never committed are dropped: their pages are read again next run.
    await this.loader?.abandon();
    this.loader = undefined;
    this.session = undefined;
    this.tables.clear();
    try {
      const errors = Object.entries(outcome.streams)
        .filter(([, stats]) => stats.error !== undefined)
        .map(([name, stats]) => `${name}: ${stats.error}`);
      const finish = [
        this.runId,
        outcome.status,
        outcome.finishedAt.toISOString(),
        JSON.stringify(outcome.streams),
        (outcome.runError ?? errors.join('\n')) || null,
      ];
      // If this fails for good, the row says `running` until the next run marks it interrupted.
      await retryTransient(this.dialect, () => session.query(finishRunSql(this.dialect), finish));
    } finally {
      await session.close();
    }
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
    let groupColumn: string | undefined;
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
      if (window.groupColumn !== undefined) groupColumn = layout.values.get(window.groupColumn)?.column;
      params.push(window.before.toISOString());
    }
    return inTransaction(session, async () => {
      await this.saveState(session, stream.name, bookmark);
      const marked = await session.query(
        markDeletedSql(this.dialect, layout.table, agedOutColumn, groupColumn),
        params,
      );
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
    if (!isRecord(parsed)) {
      throw new CioError(
        'CIO_ERR_STATE',
        `${this.driver.destination}: the bookmark saved for stream "${stream}" in _cio_state is not a JSON object. ${stateResetAdvice(stream)}`,
        { stream },
      );
    }
    return parsed as StreamBookmark;
  }

  private requireLoader(): BatchLoader {
    if (!this.loader) {
      throw new CioError('CIO_ERR_INTERNAL', `${this.driver.destination} is not open: call open() first`);
    }
    return this.loader;
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
      throw destinationError(this.driver.destination, action, error, stream, {
        transient: this.dialect.isTransient(error),
        aboutData: this.dialect.isAboutData(error),
      });
    }
  }
}
