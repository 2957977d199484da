import type { ReadUnits, SyncEvent } from '../engine/events.js';
import { RecentRate } from './request-rate.js';

export type TableStatus = 'waiting' | 'reading' | 'done' | 'failed' | 'skipped';

/** One table's line as far as the events have told. */
export interface TableProgress {
  name: string;
  status: TableStatus;
  /** The table continues an interrupted read (its saved state held a resume position). */
  resumed: boolean;
  rows: number;
  requests: number;
  /** The reader's own units (customers: ids, attributes; eps_suppression: lists; child tables: parents). */
  units: ReadUnits[];
}

/**
 * What a sync has done so far, from the engine's events: a line per table and the run's request
 * count, with the recent request rate. Holds no clock and prints nothing (the renderer and the
 * terminal driver do), so it is tested with made-up events and times.
 */
export class SyncProgress {
  readonly tables: ReadonlyMap<string, TableProgress>;
  /** The run's requests so far (the key check included). */
  requests = 0;
  private readonly rate: RecentRate;

  constructor(
    names: readonly string[],
    readonly startedAt: number,
    /** Requests the run is expected to make (the last run's), if known. */
    readonly planned?: number,
  ) {
    const tables = new Map<string, TableProgress>();
    for (const name of [...names].sort()) {
      tables.set(name, { name, status: 'waiting', resumed: false, rows: 0, requests: 0, units: [] });
    }
    this.tables = tables;
    this.rate = new RecentRate(startedAt);
  }

  handle(event: SyncEvent, now: number): void {
    if (event.type === 'request') {
      this.requests = Math.max(this.requests, event.runRequests);
      this.rate.add(now, this.requests);
    }
    if (event.type === 'log' || event.stream === undefined) return;
    const table = this.tables.get(event.stream);
    if (!table) return;
    switch (event.type) {
      case 'stream_started':
        table.status = 'reading';
        table.resumed = event.resumed;
        break;
      case 'request':
        table.requests = Math.max(table.requests, event.requests);
        break;
      case 'page':
        table.rows = event.totalRows;
        table.requests = Math.max(table.requests, event.requests);
        break;
      case 'units':
        table.units = event.units;
        break;
      case 'stream_completed':
        table.status = 'done';
        table.rows = event.stats.rows;
        table.requests = event.stats.requests;
        break;
      case 'stream_failed':
        table.status = 'failed';
        break;
      case 'stream_skipped':
        table.status = 'skipped';
        break;
    }
  }

  /** Requests per second over the last few seconds. */
  requestRate(now: number): number {
    return this.rate.perSecond(now);
  }
}
