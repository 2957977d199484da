/**
 * Sync state, Singer-compatible: `{"bookmarks": {"<stream>": {...}}, "currently_syncing": ...}`.
 * Database sinks keep one bookmark per stream in `_cio_state`; Singer/Airbyte pass it as a file.
 */
export interface StreamBookmark {
  /** Incremental streams: the replication key and the largest value loaded by a complete read. */
  replication_key?: string;
  /** RFC 3339. */
  replication_key_value?: string;
  /** Set while a read is in progress; cleared when the stream completes. */
  resume?: ResumePoint;
  /** RFC 3339: when the last read of this stream (complete or partial) finished. */
  last_completed_at?: string;
  /** Whether that read was complete (it saw every record; only those mark deletions) or partial. */
  last_read?: 'complete' | 'partial';
  /** RFC 3339: when the last read that finished began (a change feed is read from there next). */
  last_read_started_at?: string;
  /** RFC 3339: when the last complete read began (the next comes `full_refresh_days` after). */
  last_full_read_at?: string;
  /** RFC 3339: tables with a time field: the newest value loaded, where a partial read starts from. */
  newest_time?: string;
}

export interface ResumePoint {
  /** RFC 3339: when the interrupted read began; rows not written since are candidates for deletion. */
  read_started_at: string;
  /** Reader position after the last committed page. */
  position: unknown;
  /** Incremental streams: the largest replication key value committed so far in this read (RFC 3339). */
  pending_max?: string;
  /** Full-table streams with a time field: the smallest time value read so far (RFC 3339). */
  min_time?: string;
  /** Lists that grow at the head: the newest time value committed so far, where a resume catches up to. */
  max_time?: string;
  /** A partial read: the instant it reads from (a resume goes on reading from there, not completely). */
  since?: string;
  /**
   * A partial read that asked for newest first: whether its pages so far came so (`descending`)
   * or not (`not descending`: it reads to the end). Absent: nothing has shown it yet.
   */
  order?: 'descending' | 'not descending';
}

export interface SyncState {
  bookmarks: Record<string, StreamBookmark>;
  currently_syncing?: string | null;
}

/** What to do about a table's saved state that cannot be used: the command that clears it. */
export function stateResetAdvice(stream: string): string {
  return `Run \`cio-sync state reset --streams ${stream}\` to read ${stream} again from the start (with a Singer or Airbyte state file, remove its entry for ${stream}).`;
}
