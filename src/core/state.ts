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
  /** RFC 3339: when the last complete read of this stream finished. */
  last_completed_at?: string;
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
}

export interface SyncState {
  bookmarks: Record<string, StreamBookmark>;
  currently_syncing?: string | null;
}

/** What to do about a table's saved state that cannot be used: the command that clears it. */
export function stateResetAdvice(stream: string): string {
  return `Run \`cio-sync state reset --streams ${stream}\` to read ${stream} again from the start (with a Singer or Airbyte state file, remove its entry for ${stream}).`;
}
