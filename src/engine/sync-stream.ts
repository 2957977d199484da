import type { ApiClient } from '../api/types.js';
import { failpoint } from '../core/failpoint.js';
import type { ResumePoint, StreamBookmark } from '../core/state.js';
import { readerFor } from '../streams/readers/index.js';
import type { Row, StreamDefinition } from '../streams/types.js';
import { incrementalThreshold, passesLowerBound, promoteBookmark, rangeOf, toMillis } from './bookmarks.js';
import type { SyncEventListener } from './events.js';
import { reachesMark, resumePlan } from './head-catch-up.js';
import { type BatchPolicy, PageBatcher } from './page-batcher.js';
import { RejectionReport, setAsideKeyless } from './rejected-records.js';
import { extendSchema, projectRow } from './schema-evolution.js';
import type { Sink, StreamRunStats, StreamSpec } from './sink.js';

export interface StreamJob {
  definition: StreamDefinition;
  /** The spec handed to the sink; its schema grows with schema evolution. */
  spec: StreamSpec;
  /** Fields to keep (selected plus automatic); undefined keeps everything. */
  fields?: ReadonlySet<string>;
  bookmark: StreamBookmark;
}

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
}

/**
 * Reads one stream to the end, writing its pages in batches, each with the bookmark that lets an
 * interrupted read resume after it, then promotes the bookmark (incremental) or marks unseen rows deleted (full table).
 * Throws CioError on failure; everything committed before the failure stays valid.
 */
export async function syncStream(job: StreamJob, ctx: StreamRunContext): Promise<StreamRunStats> {
  const { definition: def, spec } = job;
  const name = spec.name;
  const incremental = spec.method === 'incremental' && def.replicationKey !== undefined;
  const requestsBefore = ctx.client.stats.byStream[name] ?? 0;
  const resume: ResumePoint | undefined = job.bookmark.resume;
  const readStartedAt = resume ? new Date(resume.read_started_at) : ctx.syncStartedAt;
  const lowerBound = incremental
    ? incrementalThreshold(job.bookmark.replication_key_value, ctx.startDate)
    : def.timeField
      ? ctx.startDate?.getTime()
      : undefined;
  const boundField = incremental ? def.replicationKey : def.timeField;
  let pendingMax = resume?.pending_max;
  let minTime = resume?.min_time;
  /** The newest time read so far: where a later resume of a list that grows at the head catches up to. */
  let newest = resume?.max_time;
  let rowsLoaded = 0;
  const batcher = new PageBatcher(ctx.sink, spec, ctx.batch, () => failpoint('page-committed', name));
  const rejections = new RejectionReport(name, ctx.sink.capabilities.storesRejected === true, ctx.emit);

  await ctx.sink.prepareStream(spec);
  ctx.emit({ type: 'stream_started', stream: name, resumed: resume !== undefined });

  const headField = def.growsAtHead ? def.timeField : undefined;
  /** Writes one page's rows with the bookmark that resumes at `saved.position`. */
  const write = async (pageRows: Row[], saved: { position: unknown; catchingUp?: boolean }) => {
    ctx.signal.throwIfAborted();
    failpoint('page-read', name);
    let rows: Row[] = boundField
      ? pageRows.filter((r) => passesLowerBound(r[boundField], lowerBound))
      : pageRows;
    if (def.replicationKey) pendingMax = rangeOf(rows, def.replicationKey, { max: pendingMax }).max;
    if (def.timeField)
      ({ min: minTime, max: newest } = rangeOf(rows, def.timeField, { min: minTime, max: newest }));
    const headMark = headField && (saved.catchingUp ? resume?.max_time : newest);
    const keyed = setAsideKeyless(rows, spec.primaryKey);
    rows = keyed.rows;
    rejections.add(keyed.rejected);
    if (job.fields) {
      const keep = job.fields;
      rows = rows.map((row) => projectRow(row, keep));
    } else if (extendSchema(spec.schema, rows).length > 0) {
      await ctx.sink.prepareStream(spec);
    }
    const bookmark: StreamBookmark = {
      ...job.bookmark,
      resume: {
        read_started_at: readStartedAt.toISOString(),
        position: saved.position,
        ...(pendingMax ? { pending_max: pendingMax } : {}),
        ...(minTime ? { min_time: minTime } : {}),
        ...(headMark ? { max_time: headMark } : {}),
      },
    };
    await batcher.add(rows, bookmark, keyed.rejected);
    rowsLoaded += rows.length;
    ctx.emit({
      type: 'page',
      stream: name,
      rows: rows.length,
      totalRows: rowsLoaded,
      requests: (ctx.client.stats.byStream[name] ?? 0) - requestsBefore,
    });
  };
  const read = (from: unknown, startDate: Date | undefined, readAhead = true) =>
    readerFor(def)(def, {
      client: ctx.client,
      resume: from,
      startDate,
      readAhead,
      signal: ctx.signal,
      concurrency: ctx.concurrency,
      onWarning: (message) => ctx.emit({ type: 'log', level: 'warn', message, stream: name }),
    });

  // A resume point with no position means the read had finished but its completion was not committed.
  const alreadyRead = resume !== undefined && resume.position === null;
  if (!alreadyRead) {
    const plan = resumePlan(def, resume);
    try {
      let mainRead = true;
      if (plan.catchUpTo !== undefined && headField !== undefined) {
        // Until the head is caught up, a crash must redo it: keep committing the old position and mark.
        const saved = { position: plan.from, catchingUp: true };
        // Unfiltered by the start date, so its oldest records show where the catch-up can stop.
        for await (const page of read(undefined, undefined, false)) {
          await write(page.rows, saved);
          // It read the whole list: nothing is left for the main read to do.
          if (page.position === null) mainRead = false;
          else if (reachesMark(page.rows, headField, plan.catchUpTo)) break;
        }
      }
      if (mainRead) {
        for await (const page of read(plan.from, ctx.startDate)) {
          await write(page.rows, { position: page.position ?? null });
        }
      }
    } catch (error) {
      // Commit what was read before the failure, so the next run resumes after it. A failed write is
      // thrown again by this flush, and wins: nothing after it was committed.
      await batcher.flush();
      throw error;
    }
    await batcher.flush();
  }

  const done: StreamBookmark = { last_completed_at: new Date().toISOString() };
  if (def.replicationKey) {
    done.replication_key = def.replicationKey;
    // A read of several pages (or resumed after a pause) may have passed a page before one of its
    // records was updated, so the bookmark stops at the start of the read. A one-request list is a
    // snapshot: its bookmark is the largest value seen, as streams.md says, even when the server's
    // clock runs ahead of ours.
    const snapshot = def.paging.kind === 'none' && resume === undefined;
    const value = promoteBookmark(
      job.bookmark.replication_key_value,
      pendingMax,
      snapshot ? undefined : readStartedAt,
    );
    if (value !== undefined) done.replication_key_value = value;
  }
  failpoint('before-complete', name);
  if (spec.method === 'full_table') {
    // What this read covered: from the oldest record it saw where the API drops old records, from
    // the start date elsewhere (a list the API keeps whole was read whole).
    const coveredFrom = def.agesOut
      ? (toMillis(minTime) ?? ctx.startDate?.getTime() ?? Date.now())
      : ctx.startDate?.getTime();
    const agedOut =
      def.timeField && coveredFrom !== undefined
        ? { column: def.timeField, before: new Date(coveredFrom) }
        : undefined;
    await ctx.sink.completeFullTable(
      spec,
      { readStartedAt, ...(agedOut ? { agedOutBefore: agedOut } : {}) },
      done,
    );
  } else {
    await ctx.sink.saveBookmark(spec, done);
  }
  failpoint('stream-complete', name);
  const rejected = rejections.setAside + batcher.rejectedBySink;
  rejections.finish(rejected);
  return {
    status: 'complete',
    rows: rowsLoaded,
    written: batcher.written,
    ...(rejected > 0 ? { rejected } : {}),
    requests: (ctx.client.stats.byStream[name] ?? 0) - requestsBefore,
  };
}
