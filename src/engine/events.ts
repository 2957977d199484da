import type { CioError } from '../core/errors.js';
import type { ReadUnits } from '../streams/types.js';
import type { StreamRunStats } from './sink.js';

export type { ReadUnits } from '../streams/types.js';

/** What the engine reports while it runs (progress display, logs, Airbyte stream statuses). */
export type SyncEvent =
  | { type: 'stream_started'; stream: string; resumed: boolean }
  | { type: 'page'; stream: string; rows: number; totalRows: number; requests: number }
  /**
   * A request was answered (or failed for good). `stream` is the table it was for (`check` for the
   * key check; absent for a request made for none); `requests` counts that stream's requests sent so
   * far, `runRequests` the whole run's, retries included in both.
   */
  | { type: 'request'; stream?: string; requests: number; runRequests: number }
  /** A table's own units moved (see ReadUnits): a snapshot of all its counters. */
  | { type: 'units'; stream: string; units: ReadUnits[] }
  | { type: 'stream_completed'; stream: string; stats: StreamRunStats }
  | { type: 'stream_failed'; stream: string; error: CioError }
  | { type: 'stream_skipped'; stream: string; reason: string }
  | { type: 'log'; level: 'debug' | 'info' | 'warn' | 'error'; message: string; stream?: string };

export type SyncEventListener = (event: SyncEvent) => void;
