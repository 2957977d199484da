import type { ApiClient } from '../api/types.js';
import { failpoint } from '../core/failpoint.js';
import type { ResumePoint, StreamBookmark } from '../core/state.js';
import { readerFor } from '../streams/readers/index.js';
import type { ParentKey, Row, StreamDefinition, StreamPage } from '../streams/types.js';
import {
  incrementalThreshold,
  latestSaneTime,
  passesLowerBound,
  promoteBookmark,
  rangeOf,
  saneBookmark,
  toMillis,
} from './bookmarks.js';
import type { SyncEventListener } from './events.js';
import { selectRowFields } from './field-selection.js';
import { type ResumePlan, reachesMark, resumePlan } from './head-catch-up.js';
import { NewestFirstCheck } from './newest-first.js';
import { type BatchPolicy, PageBatcher } from './page-batcher.js';
import type { ParentKeyBoard, ParentRead } from './parent-keys.js';
import {
  askedNewestFirst,
  followsChangeFeed,
  latestOf,
  newerOf,
  type ReadScope,
  type RefreshPolicy,
  readRecord,
  readScope,
  trackedTimeField,
} from './read-scope.js';
import { RejectionReport, setAsideKeyless } from './rejected-records.js';
import { extendSchema } from './schema-evolution.js';
import type { CompleteFullTable, Sink, StreamRunStats, StreamSpec } from './sink.js';
import type { StreamJob } from './stream-job.js';

export interface StreamRunContext {
  client: ApiClient;
  sink: Sink;
  syncStartedAt: Date;
  startDate?: Date;
  concurrency: number;
  /** How pages are gathered into writes. */
  batch: BatchPolicy;
  signal: AbortSignal;
  emit: SyncEventListener;
  /** Kept current while the read runs, so a read that fails still tells what it committed. */
  tally?: StreamTally;
  /** Parent keys passed from parent tables to the tables read per parent, in this run. */
  parents?: ParentKeyBoard;
  /** When tables with a `partialRead` read only what changed. Default: every read is complete. */
  refresh?: RefreshPolicy;
  /** Metrics tables: the trailing days every sync re-reads. */
  metricsWindowDays?: number;
}

/** What a read has committed so far. */
export interface StreamTally {
  /** Rows the destination inserted or changed (committed batches only). */
  written: number;
}

/**
 * Reads one stream to the end, writing its pages in batches, each with the bookmark that lets an
 * interrupted read resume after it, then promotes the bookmark (incremental) or marks unseen rows
 * deleted (full table). Throws CioError on failure; everything committed before the failure stays valid.
 */
export async function syncStream(job: StreamJob, ctx: StreamRunContext): Promise<StreamRunStats> {
  // Whether a table read per parent can read partially depends on its parent's read in this run.
  const parentTable =
    job.definition.partialRead?.kind === 'parents' ? job.definition.parent?.table : undefined;
  const parent = parentTable && ctx.parents ? await ctx.parents.readOf(parentTable) : undefined;
  return new StreamRead(job, ctx, parent).run();
}

/** Where a page's bookmark resumes: its read position, and whether the head is still being caught up. */
interface SavedPosition {
  position: unknown;
  catchingUp?: boolean;
}

/** What the pages read so far have shown; every bookmark carries it, so a resumed read goes on from it. */
interface ReadProgress {
  /** The largest replication key value seen (promoted to the bookmark once the read completes). */
  pendingMax: string | undefined;
  /** The oldest time seen: where a complete read of a list the API ages out began. */
  minTime: string | undefined;
  /** The newest time seen: where a later resume of a list that grows at the head catches up to. */
  newest: string | undefined;
  /** Rows handed to the sink. */
  rows: number;
  /** Per field (replication key, time field), values that are no sane time: they move no bookmark. */
  insaneTimes: Record<string, number>;
}

/** One stream's read: prepare, read pages (catching up the head first), write each, complete. */
class StreamRead {
  private readonly def: StreamDefinition;
  private readonly spec: StreamSpec;
  private readonly name: string;
  /** The interrupted read this one continues, if any. */
  private readonly resume: ResumePoint | undefined;
  private readonly readStartedAt: Date;
  /** Rows whose `boundField` is older than `lowerBound` are dropped (bookmark or start date). */
  private readonly boundField: string | undefined;
  private readonly lowerBound: number | undefined;
  /** The time field of a list read newest first (one that grows at the head, or asked so). */
  private readonly headField: string | undefined;
  /** The time field whose newest value the bookmark keeps (a partial read starts from it). */
  private readonly timeField: string | undefined;
  /** A partial read that asked for newest first: its pages' order, checked before it stops early. */
  private readonly order: NewestFirstCheck | undefined;
  private readonly requestsBefore: number;
  /** The latest instant a bookmark or time range may take (the sync's start plus a little skew). */
  private readonly latest: number;
  /** The saved bookmark, unless it lies past `latest` (then the table reads from the start date). */
  private readonly savedValue: string | undefined;
  private readonly batcher: PageBatcher;
  /** Records set aside because no sink can store them (no primary key value). */
  private readonly rejections: RejectionReport;
  private readonly progress: ReadProgress;
  /** Keys of every row this read saw, before any filter, when a table read per parent waits for them. */
  private readonly seenKeys: ParentKey[] | undefined;
  /** Whether this read asks for every record or only for those changed since an instant. */
  private readonly scope: ReadScope;
  /** The table follows its change feed (customers_refresh = changes), whether this read is partial or not. */
  private readonly followsFeed: boolean;
  /** The window a metrics read re-read (its last page says); older rows are outside it. */
  private covered: StreamPage['covered'];

  /** `parent`: a table read per parent that can read partially: its parent's read in this run, if whole. */
  constructor(
    private readonly job: StreamJob,
    private readonly ctx: StreamRunContext,
    private readonly parent?: ParentRead,
  ) {
    const { definition: def, spec } = job;
    this.def = def;
    this.spec = spec;
    this.name = spec.name;
    this.requestsBefore = this.requestCount();
    const policy = ctx.refresh ?? { fullRefreshDays: 0, settings: {} };
    this.scope = readScope({
      definition: def,
      bookmark: job.bookmark,
      policy,
      allowed: job.partialAllowed === true,
      forced: job.fullRefresh === true,
      now: ctx.syncStartedAt,
      ...(parent ? { parent: parent.scope } : {}),
    });
    // A complete read never continues an interrupted partial one (of other parents): it starts over.
    const resume = job.bookmark.resume;
    this.resume = this.scope.kind === 'complete' && resume?.since !== undefined ? undefined : resume;
    this.readStartedAt = this.resume ? new Date(this.resume.read_started_at) : ctx.syncStartedAt;
    this.latest = latestSaneTime(ctx.syncStartedAt);
    this.savedValue = saneBookmark(job.bookmark.replication_key_value, this.latest);
    this.followsFeed =
      followsChangeFeed(def, policy, job.partialAllowed === true) ||
      (this.scope.kind === 'partial' && this.scope.partial.kind === 'changes');
    const incremental = spec.method === 'incremental' && def.replicationKey !== undefined;
    this.boundField = incremental ? def.replicationKey : def.timeField;
    this.lowerBound = incremental
      ? incrementalThreshold(this.savedValue, ctx.startDate)
      : def.timeField
        ? latestOf(ctx.startDate, this.timeSince())?.getTime()
        : undefined;
    const asked = askedNewestFirst(this.scope);
    this.headField = def.growsAtHead ? def.timeField : asked?.field;
    this.timeField = trackedTimeField(def);
    this.order = asked ? new NewestFirstCheck(asked.field, this.resume) : undefined;
    this.progress = {
      pendingMax: saneBookmark(this.resume?.pending_max, this.latest),
      minTime: this.resume?.min_time,
      newest: this.resume?.max_time,
      rows: 0,
      insaneTimes: {},
    };
    this.batcher = new PageBatcher(ctx.sink, spec, ctx.batch, () => failpoint('page-committed', this.name));
    this.rejections = new RejectionReport(this.name, ctx.sink.capabilities.storesRejected === true, ctx.emit);
    this.seenKeys = ctx.parents?.wanted(this.name) ? [] : undefined;
  }

  async run(): Promise<StreamRunStats> {
    this.warnOfFutureBookmark();
    this.announceScope();
    await this.prepare();
    // A resume point with no position means the read had finished but its completion was not committed.
    const alreadyRead = this.resume !== undefined && this.resume.position === null;
    if (!alreadyRead) await this.readPages();
    // Only a read that ran whole in this run knows the parents it covers (a failed one publishes
    // nothing: the run then tells the children undefined, and they list the parents themselves).
    const whole = this.resume === undefined && !alreadyRead && this.seenKeys !== undefined;
    this.ctx.parents?.publish(this.name, whole ? { keys: this.seenKeys, scope: this.scope } : undefined);
    this.warnOfInsaneTimes();
    await this.complete();
    this.warnOfCoercedValues();
    const rejected = this.rejections.setAside + this.batcher.rejectedBySink;
    this.rejections.finish(rejected);
    return {
      status: 'complete',
      ...(this.def.partialRead ? { read: this.scope.kind } : {}),
      rows: this.progress.rows,
      written: this.batcher.written,
      ...(rejected > 0 ? { rejected } : {}),
      requests: this.requestCount() - this.requestsBefore,
    };
  }

  private async prepare(): Promise<void> {
    await this.ctx.sink.prepareStream(this.spec);
    this.ctx.emit({ type: 'stream_started', stream: this.name, resumed: this.resume !== undefined });
  }

  /** Reads every page and commits the last batch; after a failure, commits what was read and rethrows. */
  private async readPages(): Promise<void> {
    const plan = resumePlan(this.def, this.resume, this.headField);
    try {
      const mainRead = await this.catchUpHead(plan);
      if (mainRead) {
        const stopAt =
          this.scope.kind === 'partial' && this.scope.partial.kind === 'head' ? this.scope.since : undefined;
        // A rescan asks the API for the window; a head read needs the older records it reaches to
        // stop, and one whose order is checked needs every record (the replication key filters).
        const startDate = stopAt
          ? this.order
            ? undefined
            : this.ctx.startDate
          : latestOf(this.ctx.startDate, this.timeSince());
        for await (const page of this.pages(plan.from, startDate, stopAt === undefined)) {
          if (page.feedMark) this.noteFeedMark(page.feedMark);
          if (page.covered) this.covered = page.covered;
          if (this.order?.note(page.rows)) this.warnOfOrder();
          await this.writePage(page.rows, { position: page.position ?? null }, page.parents);
          // A partial read of a newest-first list ends where it reaches what was loaded before.
          if (stopAt && this.endsHeadRead(page.rows, stopAt.getTime())) break;
        }
      }
    } catch (error) {
      await this.fail(error);
    } finally {
      this.updateTally();
    }
    await this.batcher.flush();
    this.updateTally();
  }

  /** Whether a partial head read has reached what it need not read again. */
  private endsHeadRead(rows: readonly Row[], since: number): boolean {
    if (this.order) return this.order.endsAt(rows, since);
    return this.headField !== undefined && reachesMark(rows, this.headField, since);
  }

  private updateTally(): void {
    if (this.ctx.tally) this.ctx.tally.written = this.batcher.written;
  }

  /**
   * Reads the head of a list that grows there, down to what the interrupted read had seen (see
   * head-catch-up.ts). Returns whether the main read still has anything to do.
   */
  private async catchUpHead(plan: ResumePlan): Promise<boolean> {
    const headField = this.headField;
    if (plan.catchUpTo === undefined || headField === undefined) return true;
    // Until the head is caught up, a crash must redo it: keep committing the old position and mark.
    const saved = { position: plan.from, catchingUp: true };
    // Unfiltered by the start date, so its oldest records show where the catch-up can stop.
    for await (const page of this.pages(undefined, undefined, false)) {
      await this.writePage(page.rows, saved);
      // It read the whole list: nothing is left for the main read to do.
      if (page.position === null) return false;
      if (reachesMark(page.rows, headField, plan.catchUpTo)) return true;
    }
    return true;
  }

  private pages(from: unknown, startDate: Date | undefined, readAhead = true): AsyncIterable<StreamPage> {
    const changes = this.scope.kind === 'partial' && this.scope.partial.kind === 'changes';
    const feed = this.followsFeed ? { changeFeed: changes ? { since: this.scope.since } : {} } : {};
    const asked = askedNewestFirst(this.scope);
    return readerFor(this.def)(this.def, {
      client: this.ctx.client,
      ...(asked ? { query: asked.query } : {}),
      // A change feed's read restarts from its start: its pages have no position to go on from.
      resume: changes ? undefined : from,
      startDate,
      ...(this.def.parent ? { parentKeys: () => this.parentKeys() } : {}),
      ...feed,
      readAhead,
      ...(this.def.metrics
        ? {
            metricsWindowDays: this.ctx.metricsWindowDays,
            completedBefore: this.job.bookmark.last_completed_at !== undefined,
          }
        : {}),
      signal: this.ctx.signal,
      concurrency: this.ctx.concurrency,
      onWarning: (message) => this.ctx.emit({ type: 'log', level: 'warn', message, stream: this.name }),
      onProgress: (units) => this.ctx.emit({ type: 'units', stream: this.name, units }),
    });
  }

  /**
   * The parents to read: those the parent's read in this run returned, when it read them all or
   * this read is partial too; undefined makes the reader list every parent itself.
   */
  private async parentKeys(): Promise<readonly ParentKey[] | undefined> {
    const table = this.def.parent?.table;
    if (table === undefined || this.ctx.parents === undefined) return undefined;
    const read = this.parent ?? (await this.ctx.parents.readOf(table));
    if (read === undefined) return undefined;
    return read.scope.kind === 'complete' || this.scope.kind === 'partial' ? read.keys : undefined;
  }

  /** Writes one page's rows with the bookmark that resumes at `saved.position`. */
  private async writePage(
    pageRows: Row[],
    saved: SavedPosition,
    parents?: StreamPage['parents'],
  ): Promise<void> {
    this.ctx.signal.throwIfAborted();
    failpoint('page-read', this.name);
    if (this.seenKeys) {
      const field = this.spec.primaryKey[0] as string;
      for (const row of pageRows) this.seenKeys.push(row[field] as ParentKey);
    }
    const { boundField, lowerBound } = this;
    let rows = boundField ? pageRows.filter((r) => passesLowerBound(r[boundField], lowerBound)) : pageRows;
    this.track(rows, pageRows);
    // Also for a table whose partial reads start from its newest time: a resumed complete read
    // keeps what the interrupted attempt saw.
    const keepsNewest = this.def.partialRead !== undefined && this.timeField !== undefined;
    const headMark =
      this.headField || this.followsFeed || keepsNewest
        ? saved.catchingUp
          ? this.resume?.max_time
          : this.progress.newest
        : undefined;
    const keyed = setAsideKeyless(rows, this.spec.primaryKey);
    rows = keyed.rows;
    this.rejections.add(keyed.rejected);
    if (this.job.fields) {
      const keep = this.job.fields;
      rows = rows.map((row) => selectRowFields(row, keep));
    } else if (extendSchema(this.spec.schema, rows).length > 0) {
      await this.ctx.sink.prepareStream(this.spec);
    }
    await this.batcher.add(rows, this.pageBookmark(saved.position, headMark), keyed.rejected);
    this.updateTally();
    this.progress.rows += rows.length;
    this.ctx.emit({
      type: 'page',
      stream: this.name,
      rows: rows.length,
      totalRows: this.progress.rows,
      requests: this.requestCount() - this.requestsBefore,
    });
    if (parents)
      this.ctx.emit({ type: 'units', stream: this.name, units: [{ label: 'parents', ...parents }] });
  }

  /**
   * Widens what the read has seen by a page's rows (`seen`: before the lower bound); values that
   * are no sane time are only counted. The time range covers every row the read saw unless the
   * bound is on that field: rows an incremental read skips as unchanged are loaded already.
   */
  private track(rows: readonly Row[], seen: readonly Row[]): void {
    const progress = this.progress;
    if (this.def.replicationKey) {
      const range = rangeOf(rows, this.def.replicationKey, { max: progress.pendingMax }, this.latest);
      progress.pendingMax = range.max;
      this.countInsane(this.def.replicationKey, range.insane);
    }
    const field = this.timeField;
    if (field) {
      const current = { min: progress.minTime, max: progress.newest };
      const range = rangeOf(this.boundField === field ? rows : seen, field, current, this.latest);
      progress.minTime = range.min;
      progress.newest = range.max;
      this.countInsane(field, range.insane);
    }
  }

  /**
   * A partial read's lower bound on the table's time field (rescan and head reads); undefined for a
   * complete read and for a change feed, whose records have no time field.
   */
  private timeSince(): Date | undefined {
    const scope = this.scope;
    const onTime =
      scope.kind === 'partial' && (scope.partial.kind === 'rescan' || scope.partial.kind === 'head');
    return onTime ? scope.since : undefined;
  }

  /**
   * Where the change feed stood: a complete read keeps the first mark (taken before any person was
   * read, and kept across a resume); a read of changes moves it to the newest event it saw.
   */
  private noteFeedMark(mark: string): void {
    const progress = this.progress;
    progress.newest =
      this.scope.kind === 'complete' ? (progress.newest ?? mark) : newerOf(progress.newest, mark);
  }

  /** Says which read this is and why, for a table that can read partially. */
  private announceScope(): void {
    if (!this.def.partialRead) return;
    const scope = this.scope;
    const parents = this.def.parent?.table;
    const message =
      scope.kind === 'complete'
        ? `complete read (${scope.reason})`
        : scope.partial.kind === 'parents'
          ? `partial read: only the ${parents} its partial read returned (no deletions are marked)`
          : `partial read: what changed since ${scope.since.toISOString()} (no deletions are marked)`;
    this.ctx.emit({ type: 'log', level: 'info', message, stream: this.name });
  }

  private warn(message: string): void {
    this.ctx.emit({ type: 'log', level: 'warn', message, stream: this.name });
  }

  /** A bookmark past any sane time (saved by a version without this check) would skip every change. */
  private warnOfFutureBookmark(): void {
    const saved = this.job.bookmark.replication_key_value;
    if (this.savedValue === saved) return;
    this.warn(
      `the saved bookmark ${this.def.replicationKey} = ${saved} lies in the future; it is ignored and ${this.name} is read from the start date`,
    );
  }

  private warnOfOrder(): void {
    const query = Object.entries(askedNewestFirst(this.scope)?.query ?? {});
    const asked = query.map(([key, value]) => `${key}=${String(value)}`).join('&');
    this.warn(
      `the API did not answer newest first as asked (${asked}): reading every page; the read stays partial`,
    );
  }

  private countInsane(field: string, count: number): void {
    if (count > 0) this.progress.insaneTimes[field] = (this.progress.insaneTimes[field] ?? 0) + count;
  }

  private warnOfInsaneTimes(): void {
    for (const [field, count] of Object.entries(this.progress.insaneTimes)) {
      this.warn(
        `${count} record(s) had a ${field} that is no time from 1970 to an hour past this sync's start (milliseconds instead of seconds?); they were loaded as sent (see ${field}__raw) but move no bookmark`,
      );
    }
  }

  private warnOfCoercedValues(): void {
    const count = this.batcher.coerced;
    if (count === 0) return;
    this.warn(
      `${count} value(s) did not fit the type their field is declared with; each was kept as sent in <field>__raw beside its field (keys converted without loss)`,
    );
  }

  /** The bookmark committed with a page: resume at `position`, with what the read has seen so far. */
  private pageBookmark(position: unknown, headMark: string | undefined): StreamBookmark {
    const { pendingMax, minTime } = this.progress;
    return {
      ...this.job.bookmark,
      resume: {
        read_started_at: this.readStartedAt.toISOString(),
        position,
        ...(pendingMax ? { pending_max: pendingMax } : {}),
        ...(minTime ? { min_time: minTime } : {}),
        ...(headMark ? { max_time: headMark } : {}),
        ...(this.scope.kind === 'partial' ? { since: this.scope.since.toISOString() } : {}),
        ...(this.order?.order ? { order: this.order.order } : {}),
      },
    };
  }

  /**
   * Commits what was read before the failure, so the next run resumes after it, then rethrows. A
   * failed write is thrown again by this flush, and wins: nothing after it was committed.
   */
  private async fail(error: unknown): Promise<never> {
    await this.batcher.flush();
    throw error;
  }

  /** After a complete read: promotes the bookmark (incremental) or marks unseen rows deleted (full table). */
  private async complete(): Promise<void> {
    const done = this.completedBookmark();
    failpoint('before-complete', this.name);
    if (this.spec.method === 'full_table' && this.scope.kind === 'complete') {
      const agedOut = this.agedOutBefore();
      await this.ctx.sink.completeFullTable(
        this.spec,
        { readStartedAt: this.readStartedAt, ...(agedOut ? { agedOutBefore: agedOut } : {}) },
        done,
      );
    } else {
      await this.ctx.sink.saveBookmark(this.spec, done);
    }
    failpoint('stream-complete', this.name);
  }

  private completedBookmark(): StreamBookmark {
    const done: StreamBookmark = { last_completed_at: new Date().toISOString() };
    if (this.def.replicationKey) {
      done.replication_key = this.def.replicationKey;
      // A read of several pages (or resumed after a pause) may have passed a page before one of its
      // records was updated, so the bookmark stops at the start of the read. A one-request list is a
      // snapshot: its bookmark is the largest value seen, as docs/streams.md says, even when the
      // server's clock runs a little ahead of ours (up to CLOCK_SKEW_MS; later values move nothing).
      const snapshot = this.def.paging.kind === 'none' && this.resume === undefined;
      // A partial read saw only the newest records: an older one edited since keeps a value below
      // what it saw, so the bookmark stays where the last complete read left it, for the next.
      const value =
        this.scope.kind === 'partial'
          ? this.savedValue
          : promoteBookmark(
              this.savedValue,
              this.progress.pendingMax,
              snapshot ? undefined : this.readStartedAt,
            );
      if (value !== undefined) done.replication_key_value = value;
    }
    if (this.def.partialRead) {
      Object.assign(
        done,
        readRecord(this.scope, this.job.bookmark, this.readStartedAt, this.progress.newest),
      );
    }
    return done;
  }

  /**
   * What this complete read covered, for a stream with a time field: from the oldest record it saw
   * where the API drops old records, from the start date elsewhere (a list the API keeps whole was
   * read whole). Older rows aged out rather than vanished.
   */
  private agedOutBefore(): CompleteFullTable['agedOutBefore'] {
    const covered = this.covered;
    if (covered) return { column: covered.column, before: covered.from, groupColumn: covered.groupColumn };
    const startMs = this.ctx.startDate?.getTime();
    const coveredFrom = this.def.agesOut
      ? (toMillis(this.progress.minTime) ?? startMs ?? Date.now())
      : startMs;
    return this.def.timeField && coveredFrom !== undefined
      ? { column: this.def.timeField, before: new Date(coveredFrom) }
      : undefined;
  }

  private requestCount(): number {
    return this.ctx.client.stats.byStream[this.name] ?? 0;
  }
}
