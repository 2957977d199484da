import type { Logger } from 'pino';
import { describeDestination } from '../config/destination.js';
import type { Config } from '../config/schema.js';
import { PARTIAL_EXIT_CODE } from '../core/errors.js';
import { untilInterrupted } from '../core/interrupt.js';
import { createDatabaseSink, wantsTightHeap } from '../destinations/registry.js';
import type { SyncEvent } from '../engine/events.js';
import { runSync, type SyncResult } from '../engine/sync.js';
import { DEFAULT_STREAM_NAMES, type StreamName } from '../streams/definitions.js';
import { limitHeapGrowth } from './heap-growth.js';
import { ProgressDisplay } from './progress.js';

export interface SyncCliOptions {
  config: Config;
  logger: Logger;
  /** Live per-table lines (a terminal); otherwise one log line per table event. */
  progress: boolean;
}

/** Runs a database sync for the CLI (sync and demo): progress or log lines, then the result. */
export async function runDatabaseSync({ config, logger, progress }: SyncCliOptions): Promise<SyncResult> {
  const names = (config.streams ?? [...DEFAULT_STREAM_NAMES]) as StreamName[];
  if (wantsTightHeap(config.destination)) limitHeapGrowth();
  const sink = await createDatabaseSink(config.destination);
  logger.info(`Syncing ${names.length} table(s) into ${describeDestination(config.destination)}`);
  const display = progress ? new ProgressDisplay(names) : undefined;
  try {
    return await untilInterrupted((signal) =>
      runSync({
        config,
        sink,
        selection: names.map((name) => ({ name })),
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

/** The per-table summary printed after a sync. */
export function formatSummary(result: SyncResult): string {
  const rows = Object.entries(result.streams).sort(([a], [b]) => a.localeCompare(b));
  const width = Math.max(5, ...rows.map(([name]) => name.length));
  const lines = [`${'table'.padEnd(width)}  status      rows  written  requests`];
  for (const [name, stats] of rows) {
    lines.push(
      `${name.padEnd(width)}  ${stats.status.padEnd(8)} ${String(stats.rows).padStart(7)}  ${String(stats.written ?? 0).padStart(7)}  ${String(stats.requests).padStart(8)}`,
    );
  }
  const seconds = (result.finishedAt.getTime() - result.startedAt.getTime()) / 1000;
  const total = rows.reduce((sum, [, s]) => sum + s.rows, 0);
  const rejected = rows.reduce((sum, [, s]) => sum + (s.rejected ?? 0), 0);
  // Only when there are some: the summary of a clean run stays as it was.
  const rejectedNote = rejected > 0 ? `, ${rejected} rejected records` : '';
  lines.push(
    `${result.status}: ${total} rows${rejectedNote}, ${result.requests} requests (${result.rateLimited} rate-limited) in ${seconds.toFixed(1)} s`,
  );
  return lines.join('\n');
}

export function exitCodeForResult(result: SyncResult): number {
  if (result.status === 'succeeded') return 0;
  if (result.status === 'partial') return PARTIAL_EXIT_CODE;
  return result.error?.kind === 'config' ? 2 : 1;
}
