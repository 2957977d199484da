import type { StreamBookmark, SyncState } from '../core/state.js';
import type { JsonSchema, Row } from '../streams/types.js';

/** What a sink is told about a stream. `schema` already includes the `_cio_*` metadata columns. */
export interface StreamSpec {
  name: string;
  primaryKey: string[];
  replicationKey?: string;
  method: 'incremental' | 'full_table';
  /**
   * A full-table stream that a protocol may also read incrementally on this time field (messages
   * `created`, activities `timestamp`): between complete reads, only what changed, no deletions.
   */
  cursorField?: string;
  /** JSON Schema of a row; grows when records bring fields never seen before (schema evolution). */
  schema: JsonSchema;
  /** Tables read per row of another: that table's name (catalogs name it; sinks need not). */
  parent?: string;
  /** Not selected unless named: catalogs do not select it by default. */
  optIn?: boolean;
}

export interface RunInfo {
  runId: string;
  startedAt: Date;
  streams: StreamSpec[];
}

export interface WriteResult {
  /** Rows inserted or changed. Unchanged rows of incremental streams are not rewritten. */
  written: number;
  /** Rows the batch carried that were already present and identical. */
  unchanged: number;
  /** Values that did not fit their column's type and were kept another way (reported, never dropped). */
  coerced?: number;
  /**
   * Records the sink itself found it cannot store as they are (a key of the wrong kind), set aside in
   * its rejected-records table. Records the engine set aside before (see RejectedRecord) are not
   * counted here.
   */
  rejected?: number;
}

/**
 * A record that cannot be stored as it is (no primary key value): it never stops its table. The
 * engine hands it to the sink with the page it came in, and the sink keeps it where the user can
 * see it (databases: `_cio_rejected_records`, committed with that page's batch) or skips it.
 */
export interface RejectedRecord {
  record: Row;
  /** Why, in words: "primary key field \"id\" is null". */
  reason: string;
}

export interface CompleteFullTable {
  /** Rows not written since this instant were not seen by this complete read. */
  readStartedAt: Date;
  /**
   * Streams with a time field: rows whose time value is older than this lie outside the window the
   * read covered (aged out, not deleted) and keep `_cio_deleted_at` null.
   */
  agedOutBefore?: {
    column: string;
    before: Date;
    /**
     * Metrics tables: older rows stay live only while the read saw a row with the same value in
     * this column (their parent); a parent the read no longer found takes its old rows with it.
     */
    groupColumn?: string;
  };
}

export interface StreamRunStats {
  status: 'complete' | 'failed' | 'skipped' | 'incomplete';
  /**
   * Tables that can read only what changed: whether this read was complete (every record; deletions
   * marked) or partial. Recorded in `_cio_sync_runs`.
   */
  read?: 'complete' | 'partial';
  /** Rows read and handed to the sink (after bookmark and start-date filtering). */
  rows: number;
  /** Of those, rows inserted or changed (unchanged rows of incremental tables are not rewritten). */
  written?: number;
  /** Records that could not be stored as they are: set aside (databases) or skipped, never fatal. */
  rejected?: number;
  requests: number;
  /** The read continued an interrupted one (the saved state held a resume position). */
  resumed?: boolean;
  /** Rows the destination's table holds after the run (deleted-marked ones included), when the sink can tell. */
  inTable?: number;
  error?: string;
}

export interface RunOutcome {
  status: 'succeeded' | 'failed' | 'partial';
  finishedAt: Date;
  streams: Record<string, StreamRunStats>;
  /** The run's own error, when no table's explains it (the run was interrupted): the run log's error. */
  runError?: string;
}

export interface SinkCapabilities {
  /** Rows and state commit together (databases). Protocol sinks emit state after the rows instead. */
  transactionalState: boolean;
  /** The sink stores state itself (databases); otherwise the caller passes a state file. */
  storesState: boolean;
  /** Rejected records are kept in the destination (databases); otherwise they are skipped and logged. */
  storesRejected?: boolean;
}

/**
 * Where rows go. The engine calls: open, then per stream prepareStream (again whenever the schema
 * grows), write (each batch with the bookmark that covers it), completeFullTable (full-table
 * streams, after a complete read), and close. Sinks never call the API.
 */
export interface Sink {
  readonly capabilities: SinkCapabilities;
  /**
   * Optional, called before the API is asked anything: takes the destination's lock if the
   * destination already exists, creating nothing, so a second run into it stops at once rather than
   * after the key check. `open` then goes on with what this took; `close` releases it.
   */
  claim?(): Promise<void>;
  /** Opens the destination, takes its lock and returns the state saved there (empty if none). */
  open(run: RunInfo): Promise<SyncState>;
  /** Creates the stream's table, or adds the columns its schema gained. Idempotent. */
  prepareStream(stream: StreamSpec): Promise<void>;
  /**
   * Upserts the rows by primary key and saves the stream's bookmark, atomically, with the records of
   * the same pages that were rejected.
   */
  write(
    stream: StreamSpec,
    rows: Row[],
    bookmark: StreamBookmark,
    rejected?: readonly RejectedRecord[],
  ): Promise<WriteResult>;
  /**
   * Optional, for sinks that can hold a batch themselves (databases: a staging table). Adds a page to
   * the stream's open batch, remembering its bookmark; nothing is committed unless the page cannot
   * join the batch (new columns, a repeated key), in which case the batch is committed first and
   * what that wrote is returned. A page that fails to stage drops the open batch (rows staged
   * before it may be lost) and the stream takes nothing more until the sink is opened again.
   */
  stage?(
    stream: StreamSpec,
    rows: Row[],
    bookmark: StreamBookmark,
    rejected?: readonly RejectedRecord[],
  ): Promise<WriteResult>;
  /** With `stage`: upserts the open batch and saves the bookmark of its last page, atomically. */
  commit?(stream: StreamSpec): Promise<WriteResult>;
  /**
   * After a complete read of a full-table stream: marks rows not seen as deleted and saves the
   * bookmark, atomically. Returns how many rows were newly marked.
   */
  completeFullTable(stream: StreamSpec, done: CompleteFullTable, bookmark: StreamBookmark): Promise<number>;
  /** Saves a bookmark with no rows (an incremental stream that found nothing new). */
  saveBookmark(stream: StreamSpec, bookmark: StreamBookmark): Promise<void>;
  /**
   * Optional: how many rows the stream's table holds (deleted-marked ones included), for the summary.
   * Called after the stream's reads, before close.
   */
  countRows?(stream: StreamSpec): Promise<number>;
  /** Records the run's outcome in the run log and releases the destination. */
  close(outcome: RunOutcome): Promise<void>;
}

/** The metadata columns every table carries. */
export const SYNCED_AT = '_cio_synced_at';
export const DELETED_AT = '_cio_deleted_at';
