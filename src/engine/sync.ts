import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import type { ApiClient } from '../api/types.js';
import type { Config } from '../config/schema.js';
import { CioError, isCioError } from '../core/errors.js';
import { getDefinition } from '../streams/definitions.js';
import { streamSpecFor } from './catalog.js';
import { checkConnection } from './check.js';
import { createClientFor } from './client-factory.js';
import type { SyncEvent, SyncEventListener } from './events.js';
import { observeRequests } from './observed-client.js';
import type { BatchPolicy } from './page-batcher.js';
import { ParentKeyBoard } from './parent-keys.js';
import { checkSavedBookmark } from './saved-bookmark.js';
import type { RunOutcome, Sink, StreamRunStats, StreamSpec } from './sink.js';
import { type StreamSelection, streamJobFor } from './stream-job.js';
import { type StreamTally, syncStream } from './sync-stream.js';

export type { StreamSelection } from './stream-job.js';

export interface SyncRequest {
  config: Config;
  sink: Sink;
  selection: StreamSelection[];
  onEvent?: SyncEventListener;
  client?: ApiClient;
  signal?: AbortSignal;
}

export interface SyncResult extends RunOutcome {
  runId: string;
  startedAt: Date;
  requests: number;
  rateLimited: number;
  /** The error that ended the run, if any (the first config error, else the first failure). */
  error?: CioError;
}

/** A batch left gathering this long is committed anyway, so a slow table's progress is saved often. */
const BATCH_MAX_AGE_MS = 5000;

/**
 * Databases gather pages into batches (a transaction costs the same for 1 row as for 1000); protocol
 * sinks emit every page with its state message at once.
 */
function batchPolicy(sink: Sink, batchSizeRows: number): BatchPolicy {
  return sink.capabilities.transactionalState
    ? { maxRows: batchSizeRows, maxAgeMs: BATCH_MAX_AGE_MS }
    : { maxRows: 1, maxAgeMs: 0 };
}

/** Runs the selected streams concurrently under one request budget, into one sink. */
export async function runSync(req: SyncRequest): Promise<SyncResult> {
  const runId = randomUUID();
  const startedAt = new Date();
  const emit: SyncEventListener = req.onEvent ?? (() => {});
  const ownsClient = req.client === undefined;
  const client = observeRequests(req.client ?? createClientFor(req.config, emit), emit);
  const abort = new AbortController();
  // Every in-flight request and every waiter on the budget listens to this one signal.
  setMaxListeners(0, abort.signal);
  const onOuterAbort = () => abort.abort(req.signal?.reason);
  req.signal?.addEventListener('abort', onOuterAbort, { once: true });
  const startDate = req.config.start_date;
  const streams: Record<string, StreamRunStats> = {};
  let firstError: CioError | undefined;
  /** The table whose failure stopped the others, if one did. */
  let stoppedBy: string | undefined;
  let opened = false;
  /** Tables whose destination table was prepared (those the summary can count), with their spec. */
  const started = new Map<string, StreamSpec>();
  const specs = new Map<string, StreamSpec>();
  try {
    // A destination another run holds fails at once; claiming it creates nothing.
    await req.sink.claim?.();
    // Prove the key before opening the destination: a refused key must load nothing.
    const reached = await checkConnection(client, abort.signal);
    emit({
      type: 'log',
      level: 'info',
      message: reached.limitedScope
        ? 'Connected (the key cannot list workspaces; continuing).'
        : `Connected to workspace(s): ${reached.workspaces.map((w) => w.name).join(', ') || 'none listed'}.`,
    });
    const state = await req.sink.open({
      runId,
      startedAt,
      streams: req.selection.map((s) => streamSpecFor(getDefinition(s.name))),
    });
    opened = true;
    // The state the sink holds: a database's saved bookmarks, or a protocol's state file.
    const merges = req.sink.capabilities.storesState;
    const jobs = req.selection.map((s) => streamJobFor(s, state, merges));
    const parents = new ParentKeyBoard(jobs.map((job) => job.definition));
    const rowsSoFar = new Map<string, number>();
    const track: SyncEventListener = (event: SyncEvent) => {
      if (event.type === 'page') rowsSoFar.set(event.stream, event.totalRows);
      const spec = event.type === 'stream_started' ? specs.get(event.stream) : undefined;
      if (spec) started.set(spec.name, spec);
      emit(event);
    };
    await Promise.all(
      jobs.map(async (job) => {
        const name = job.spec.name;
        const requestsBefore = client.stats.byStream[name] ?? 0;
        const tally: StreamTally = { written: 0 };
        const resumed = job.bookmark.resume ? { resumed: true } : {};
        specs.set(name, job.spec);
        try {
          checkSavedBookmark(name, job.bookmark);
          const stats = await syncStream(job, {
            client,
            sink: req.sink,
            syncStartedAt: startedAt,
            ...(startDate ? { startDate } : {}),
            concurrency: req.config.concurrency,
            metricsWindowDays: req.config.metrics_window_days,
            batch: batchPolicy(req.sink, req.config.batch_size_rows),
            signal: abort.signal,
            emit: track,
            tally,
            parents,
            refresh: { fullRefreshDays: req.config.full_refresh_days, settings: req.config },
          });
          streams[name] = { ...stats, ...resumed };
          emit({ type: 'stream_completed', stream: name, stats: streams[name] });
        } catch (raw) {
          const error = asCioError(raw, name);
          const requests = (client.stats.byStream[name] ?? 0) - requestsBefore;
          const rows = rowsSoFar.get(name) ?? 0;
          if (error.code === 'CIO_ERR_FORBIDDEN') {
            const reason = missingScopeReason(name, error);
            streams[name] = { status: 'skipped', rows, requests, ...resumed, error: reason };
            emit({ type: 'stream_skipped', stream: name, reason });
            return;
          }
          // A stopped table often throws the stop's own reason, the other table's error: by identity
          // it would pass for its own failure.
          const stoppedByOther = abort.signal.aborted && stoppedBy !== name;
          if (stoppedByOther) {
            // Its own error is only the stop's echo (often the same broken destination): name the cause.
            const reason = stoppedReason(stoppedBy, abort.signal.reason);
            streams[name] = {
              status: 'incomplete',
              rows,
              written: tally.written,
              requests,
              ...resumed,
              error: reason,
            };
            emit({ type: 'log', level: 'warn', stream: name, message: reason });
            return;
          }
          streams[name] = {
            status: 'failed',
            rows,
            written: tally.written,
            requests,
            ...resumed,
            error: error.message,
          };
          if (!firstError || (error.kind === 'config' && firstError.kind !== 'config')) firstError = error;
          emit({ type: 'stream_failed', stream: name, error });
          // A refused key or an unusable destination fails every stream alike: stop them all now.
          // A table's unusable saved state concerns that table alone.
          if (error.kind === 'config' && error.code !== 'CIO_ERR_STATE') {
            stoppedBy = name;
            abort.abort(error);
          }
        } finally {
          // A table that failed before reading must not keep its children waiting.
          parents.publish(name, undefined);
        }
      }),
    );
  } catch (raw) {
    firstError = asCioError(raw);
  } finally {
    req.signal?.removeEventListener('abort', onOuterAbort);
  }
  // Ctrl-C: what a table threw on the way out is the interrupt's echo, not a failure of its own.
  const interrupted = req.signal?.aborted === true && (!firstError || firstError.code === 'CIO_ERR_INTERNAL');
  if (interrupted) {
    firstError = new CioError(
      'CIO_ERR_INTERRUPTED',
      'The sync was interrupted before every table finished. Committed progress is kept; run it again to resume.',
    );
  }
  const statuses = Object.values(streams).map((s) => s.status);
  const status: RunOutcome['status'] = firstError
    ? 'failed'
    : statuses.includes('skipped')
      ? 'partial'
      : 'succeeded';
  if (opened && !firstError?.code.startsWith('CIO_ERR_DESTINATION')) {
    await countRows(req.sink, started, streams);
  }
  let outcome: RunOutcome = {
    status,
    finishedAt: new Date(),
    streams,
    ...(interrupted ? { runError: 'interrupted' } : {}),
  };
  if (opened) {
    try {
      await req.sink.close(outcome);
    } catch (raw) {
      // The tables' results stand and are reported; only recording them in the destination failed.
      const error = asCioError(raw);
      emit({
        type: 'log',
        level: 'error',
        message: `The run's outcome could not be recorded: ${error.message}`,
      });
      firstError ??= error;
      outcome = { ...outcome, status: 'failed' };
    }
  } else await req.sink.close(outcome).catch(() => {});
  if (ownsClient) await client.close();
  const { runError: _, ...reported } = outcome;
  return {
    ...reported,
    runId,
    startedAt,
    requests: client.stats.requests,
    rateLimited: client.stats.rateLimited,
    ...(firstError ? { error: firstError } : {}),
  };
}

/** Adds each started table's row count (the summary's "in table") where the sink can tell; never fails the run. */
async function countRows(
  sink: Sink,
  started: ReadonlyMap<string, StreamSpec>,
  streams: Record<string, StreamRunStats>,
): Promise<void> {
  if (!sink.countRows) return;
  for (const [name, spec] of started) {
    const stats = streams[name];
    if (!stats) continue;
    try {
      stats.inTable = await sink.countRows(spec);
    } catch {
      // A count is a courtesy: the summary shows "-".
    }
  }
}

/** What a table stopped by another's failure reports: the cause, without taking its message as its own. */
function stoppedReason(stoppedBy: string | undefined, reason: unknown): string {
  if (stoppedBy === undefined || !isCioError(reason)) {
    return "stopped before finishing: the run was interrupted; this table's committed progress is kept";
  }
  return `stopped before finishing: table ${stoppedBy}'s failure (${reason.code}) ended the run; this table's committed progress is kept`;
}

/**
 * A 403 means the key was created without the scope for one endpoint: name that scope (the endpoint
 * and the table) so whoever reads the run log knows which permission to grant.
 */
function missingScopeReason(stream: string, error: CioError): string {
  const endpoint = error.path ?? 'its endpoint';
  return `missing scope: the App API key may not read ${endpoint} (403), so table ${stream} was skipped. Grant the key access to ${endpoint} (or deselect ${stream}); the other tables are unaffected. ${error.message}`;
}

function asCioError(error: unknown, stream?: string): CioError {
  if (isCioError(error)) return error;
  if (error instanceof Error && error.name === 'AbortError') {
    return new CioError('CIO_ERR_INTERNAL', 'The run was stopped before this table finished.', {
      stream,
      cause: error,
    });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new CioError('CIO_ERR_INTERNAL', `Unexpected failure${stream ? ` in ${stream}` : ''}: ${message}`, {
    ...(stream ? { stream } : {}),
    cause: error,
  });
}
