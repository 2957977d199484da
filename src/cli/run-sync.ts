import type { Logger } from 'pino';
import { describeDestination } from '../config/destination.js';
import type { Config } from '../config/schema.js';
import { PARTIAL_EXIT_CODE } from '../core/errors.js';
import { untilInterrupted } from '../core/interrupt.js';
import { createDatabaseSink, readRunHistory, wantsTightHeap } from '../destinations/registry.js';
import type { SyncEvent } from '../engine/events.js';
import { planSync } from '../engine/plan.js';
import { runSync, type SyncResult } from '../engine/sync.js';
import { type StreamName, tablesToSync } from '../streams/definitions.js';
import { limitHeapGrowth } from './heap-growth.js';
import { ProgressDisplay } from './progress.js';
import { formatSummary } from './summary.js';

export { formatSummary } from './summary.js';

export interface SyncCliOptions {
  config: Config;
  logger: Logger;
  /** Live per-table lines (a terminal); otherwise one log line per table event. */
  progress: boolean;
  /** `--full-refresh`: complete reads of the selected tables. */
  fullRefresh?: boolean;
}

/** Runs a database sync for the CLI (sync and demo): progress or log lines, then the result. */
export async function runDatabaseSync({
  config,
  logger,
  progress,
  fullRefresh = false,
}: SyncCliOptions): Promise<SyncResult> {
  const names = tablesToSync(config.streams);
  if (wantsTightHeap(config.destination)) limitHeapGrowth();
  const sink = await createDatabaseSink(config.destination);
  logger.info(`Syncing ${names.length} table(s) into ${describeDestination(config.destination)}`);
  const display = progress
    ? new ProgressDisplay(names, await plannedRequests(config, names, fullRefresh))
    : undefined;
  try {
    return await untilInterrupted((signal) =>
      runSync({
        config,
        sink,
        selection: names.map((name) => (fullRefresh ? { name, fullRefresh } : { name })),
        signal,
        onEvent: (event) => {
          if (!display) return logEvent(logger, event);
          display.handle(event);
          const line = displayLine(event);
          if (line) display.log(line);
        },
      }),
    );
  } finally {
    display?.stop();
  }
}

/**
 * The requests this run will make, plus the key check, from the last run that made the same read of
 * each table (a partial read costs what the last partial read did); undefined when a table has none.
 */
async function plannedRequests(
  config: Config,
  names: readonly StreamName[],
  fullRefresh: boolean,
): Promise<number | undefined> {
  const history = await readRunHistory(config.destination).catch(() => undefined);
  if (history === undefined) return undefined;
  const plan = await planSync({
    names,
    state: history.state,
    history: history.runs,
    policy: { fullRefreshDays: config.full_refresh_days, settings: config },
    fullRefresh,
    requestsPerSecond: config.max_requests_per_second,
    now: new Date(),
  });
  return plan.tables.every((t) => t.source === 'last run') ? plan.total : undefined;
}

function logEvent(logger: Logger, event: SyncEvent): void {
  switch (event.type) {
    case 'log':
      logger[event.level]({ stream: event.stream }, event.message);
      break;
    case 'stream_started':
      logger.info({ stream: event.stream }, event.resumed ? 'resuming an interrupted read' : 'started');
      break;
    case 'page':
      logger.debug({ stream: event.stream }, `page: ${event.rows} rows (${event.totalRows} so far)`);
      break;
    case 'stream_completed':
      logger.info(
        { stream: event.stream },
        `done: ${event.stats.rows} rows, ${event.stats.requests} requests`,
      );
      break;
    case 'stream_failed':
      logger.error({ stream: event.stream }, `failed (${event.error.code}): ${event.error.message}`);
      break;
    case 'stream_skipped':
      logger.warn({ stream: event.stream }, `skipped: ${event.reason}`);
      break;
  }
}

/** What the live display prints above its lines: warnings, failures and skips (not routine logs). */
function displayLine(event: SyncEvent): string | undefined {
  if (event.type === 'log' && (event.level === 'warn' || event.level === 'error')) {
    return `${event.level.toUpperCase()}${event.stream ? ` [${event.stream}]` : ''} ${event.message}`;
  }
  if (event.type === 'stream_failed')
    return `ERROR [${event.stream}] failed (${event.error.code}): ${event.error.message}`;
  if (event.type === 'stream_skipped') return `WARN [${event.stream}] skipped: ${event.reason}`;
  return undefined;
}

/**
 * Prints the final view on stdout. A run that failed before any table started (the key refused, the
 * destination locked or unusable) has nothing to sum up: its error, logged by the caller, is all.
 */
export function printSummary(result: SyncResult, trailer = ''): void {
  if (Object.keys(result.streams).length === 0) return;
  process.stdout.write(`${formatSummary(result)}\n${trailer}`);
}

/** Ctrl-C or SIGTERM: the shell's code for a process ended by SIGINT. */
export const INTERRUPTED_EXIT_CODE = 130;

export function exitCodeForResult(result: SyncResult): number {
  if (result.error?.code === 'CIO_ERR_INTERRUPTED') return INTERRUPTED_EXIT_CODE;
  if (result.status === 'succeeded') return 0;
  if (result.status === 'partial') return PARTIAL_EXIT_CODE;
  return result.error?.kind === 'config' ? 2 : 1;
}
