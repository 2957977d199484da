import type { CioError } from '../core/errors.js';
import type { StreamRunStats } from './sink.js';

/** What the engine reports while it runs (progress display, logs, Airbyte stream statuses). */
export type SyncEvent =
  | { type: 'stream_started'; stream: string; resumed: boolean }
  | {
      type: 'page';
      stream: string;
      rows: number;
      totalRows: number;
      requests: number;
      /** Tables read per parent: parents read whole so far, of all. */
      parents?: { done: number; total: number };
    }
  | { type: 'stream_completed'; stream: string; stats: StreamRunStats }
  | { type: 'stream_failed'; stream: string; error: CioError }
  | { type: 'stream_skipped'; stream: string; reason: string }
  | { type: 'log'; level: 'debug' | 'info' | 'warn' | 'error'; message: string; stream?: string };

export type SyncEventListener = (event: SyncEvent) => void;
