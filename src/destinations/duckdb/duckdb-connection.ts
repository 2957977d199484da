import { existsSync } from 'node:fs';
import { access, constants, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { CioError } from '../../core/errors.js';
import type { ColumnValue } from '../sql/column-values.js';
import type { StateConnection } from '../sql/saved-state.js';
import type { QueryResult, SqlParam, SqlSession } from '../sql/sql-dialect.js';
import type { ColumnInfo } from '../sql/table-layout.js';
import { duckDbDialect, STAGING_DATABASE } from './duckdb-dialect.js';
import { MemoryBudget, SHARED_MEMORY_LIMIT } from './memory-budget.js';
import { StagingAppenders } from './staging-appenders.js';

/**
 * Database files this process has open. DuckDB's file lock only keeps other processes out: a second
 * instance in the same process would open the file again and both would write to it.
 */
const openPaths = new Set<string>();

/**
 * One DuckDB worker: a sync's statements are small merges, and a second worker thread on a shared
 * machine only competes with the reader for the same cores (measured: 12% less CPU, same wall time).
 */
const DUCKDB_THREADS = 1;
/**
 * DuckDB checkpoints (writes its log into the file) once the log reaches this size. Measured on
 * 250,000 / 1,000,000 messages: 16MB (the default) 5.1 / 22.7 s, each checkpoint costing more as the
 * table grows; 128MB 5.4 / 19.4 s, most of the work left for the final checkpoint at close, when
 * nothing else runs; 32MB 4.8 / 17.9 s, the checkpoints running beside the reader. The log is
 * replayed on the next open after a crash.
 */
const CHECKPOINT_THRESHOLD = '32MB';
/**
 * DuckDB keeps memory it has freed for reuse until 128MB (512MB after a bulk free) are held, outside
 * its memory limit; a sync frees blocks steadily, so it hands them back early instead. Measured:
 * peak RSS 336-342 -> 296-310 MB at 250,000 messages, 405 -> 369 MB at 1,000,000, same speed.
 */
const ALLOCATOR_FLUSH_THRESHOLD = '4MB';

let driver: Promise<typeof import('@duckdb/node-api')> | undefined;

/**
 * Loads the DuckDB library once. Not at start-up, so a run into another destination (or `--help`)
 * does not pay for it; a DuckDB sink starts it when created, so the load (~0.1 s) overlaps the key
 * check's round trip instead of following it.
 */
export function loadDuckDb(): Promise<typeof import('@duckdb/node-api')> {
  if (driver === undefined) {
    useOneAllocatorArena();
    driver = import('@duckdb/node-api');
  }
  return driver;
}

/**
 * DuckDB's allocator (its own jemalloc) keeps an arena per few threads, each holding on to memory it
 * freed; DuckDB runs here on Node's worker threads as well as its own, so that memory grew with the
 * table. One arena keeps it flat: peak RSS at 1,000,000 messages 288-294 MB against 307-319 MB, the
 * same speed (one writer, DuckDB limited to one thread of its own). jemalloc reads the variable once,
 * when the library loads, so it is set before that; a value the user set is kept.
 */
function useOneAllocatorArena(): void {
  process.env[DUCKDB_ALLOCATOR_ENV] ??= DUCKDB_ALLOCATOR_CONF;
}

/** The environment variable of DuckDB's jemalloc, and the setting cio-sync gives it. */
export const DUCKDB_ALLOCATOR_ENV = 'DUCKDB_JE_MALLOC_CONF';
export const DUCKDB_ALLOCATOR_CONF = 'narenas:1';

export function describeDuckDb(path: string): string {
  return `DuckDB database ${resolve(path)}`;
}

/** Opens the database file and takes it for this run. */
export async function connectDuckDb(path: string): Promise<SqlSession> {
  const file = resolve(path);
  if (openPaths.has(file)) throw lockedError(file);
  await checkDirectory(file);
  openPaths.add(file);
  try {
    return await openCached(file, 'owner');
  } catch (error) {
    openPaths.delete(file);
    throw error;
  }
}

/**
 * Opens the file without taking it, for `cio-sync serve`'s own tables: the process's sync (which
 * takes it) shares the same database through DuckDB's instance cache.
 */
export async function connectDuckDbShared(path: string): Promise<SqlSession> {
  const file = resolve(path);
  await checkDirectory(file);
  return openCached(file, 'shared');
}

/**
 * The memory limit is the database instance's: every session of one file (a sync's, and `serve`'s
 * beside it) raises and restores it through one budget, so one never lowers it under the other.
 */
const budgets = new Map<string, MemoryBudget>();

function budgetOf(file: string): MemoryBudget {
  let budget = budgets.get(file);
  if (budget === undefined) {
    budget = new MemoryBudget();
    budgets.set(file, budget);
  }
  return budget;
}

async function openCached(file: string, role: 'owner' | 'shared'): Promise<SqlSession> {
  let instance: DuckDBInstance | undefined;
  try {
    const { DuckDBInstance } = await loadDuckDb();
    // The instance cache makes any other in-process user of this file (a test, a library caller reading
    // the results) share this database instead of opening a second, unsynchronised copy of it.
    instance = await DuckDBInstance.fromCache(file);
    const connection = await instance.connect();
    const budget = budgetOf(file);
    if (role === 'shared') budget.floor = SHARED_MEMORY_LIMIT;
    // A SET rather than an open option: opening with options would refuse the cache's other users.
    await connection.run(`SET memory_limit = '${budget.floor}'`);
    await connection.run(`SET threads = ${DUCKDB_THREADS}`);
    await connection.run(`SET checkpoint_threshold = '${CHECKPOINT_THRESHOLD}'`);
    await connection.run(`SET allocator_flush_threshold = '${ALLOCATOR_FLUSH_THRESHOLD}'`);
    await connection.run(`SET allocator_bulk_deallocation_flush_threshold = '${ALLOCATOR_FLUSH_THRESHOLD}'`);
    // In memory, so staged rows never reach the file or its write-ahead log (they spill to temp files).
    await connection.run(`ATTACH IF NOT EXISTS ':memory:' AS ${STAGING_DATABASE}`);
    return new DuckDbSession(file, instance, connection, budget, role);
  } catch (error) {
    instance?.closeSync();
    throw openError(file, error);
  }
}

/**
 * Opens the file for `cio-sync state` (read-only to show): none when the file does not exist, so
 * looking creates nothing. Not from the instance cache: nothing else in this process uses the file.
 */
export async function openDuckDbState(
  path: string,
  access: 'read' | 'write',
): Promise<StateConnection | undefined> {
  if (!existsSync(path)) return undefined;
  const { DuckDBInstance } = await loadDuckDb();
  let instance: DuckDBInstance;
  try {
    instance = await DuckDBInstance.create(path, access === 'read' ? { access_mode: 'READ_ONLY' } : {});
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    if (DAMAGED_FILE.test(reason)) throw damagedError(resolve(path), reason, error);
    throw new CioError('CIO_ERR_DESTINATION', `Cannot open ${path}: ${reason}`, { cause: error });
  }
  const connection = await instance.connect();
  return {
    dialect: duckDbDialect,
    query: (sql, params = []) => runQuery(connection, sql, params),
    close: async () => {
      connection.closeSync();
      instance.closeSync();
    },
  };
}

async function runQuery(
  connection: DuckDBConnection,
  sql: string,
  params: readonly SqlParam[],
): Promise<QueryResult> {
  const reader = await connection.runAndReadAll(sql, [...params]);
  return { rows: reader.getRowObjectsJS() as Record<string, unknown>[], rowCount: reader.rowsChanged };
}

class DuckDbSession implements SqlSession {
  private closed = false;
  private readonly staging: StagingAppenders;
  /** Runs a statement for the memory budget, on this session's connection. */
  private readonly run = (sql: string): Promise<unknown> => this.connection.run(sql);

  constructor(
    private readonly file: string,
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
    /** The memory limit is the instance's, shared by its sessions. */
    private readonly budget: MemoryBudget,
    /**
     * `owner`: the session that took the file, whose closing releases it; `loader`: its second
     * connection; `shared`: a session beside the owner with an instance handle of its own.
     */
    private readonly role: 'owner' | 'loader' | 'shared',
  ) {
    this.staging = new StagingAppenders(connection, (work) => this.budget.withRaisedLimit(this.run, work));
  }

  async openLoader(): Promise<SqlSession> {
    return new DuckDbSession(this.file, this.instance, await this.instance.connect(), this.budget, 'loader');
  }

  query(sql: string, params: readonly SqlParam[] = []): Promise<QueryResult> {
    return runQuery(this.connection, sql, params);
  }

  withMemoryHeadroom<T>(work: () => Promise<T>): Promise<T> {
    return this.budget.withHeadroom(this.run, work);
  }

  loadStaging(
    table: string,
    columns: readonly ColumnInfo[],
    rows: readonly (readonly ColumnValue[])[],
  ): Promise<void> {
    return this.staging.load(table, columns, rows);
  }

  finishStaging(table: string): Promise<void> {
    return this.staging.finish(table);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.staging.discardAll();
    if (this.role !== 'owner') {
      try {
        this.connection.closeSync();
        // A shared session's handle keeps the database open; the cache's other handles are unaffected.
        if (this.role === 'shared') this.instance.closeSync();
      } catch {
        // Best effort, as below: the owning session closes the instance anyway.
      }
      return;
    }
    try {
      this.connection.closeSync();
      this.instance.closeSync();
    } catch {
      // Closing is best effort: the run is over and the process lock must be released regardless.
    } finally {
      openPaths.delete(this.file);
    }
  }
}

async function checkDirectory(file: string): Promise<void> {
  const directory = dirname(file);
  const info = await stat(directory).catch(() => undefined);
  if (!info?.isDirectory()) {
    throw new CioError(
      'CIO_ERR_DESTINATION',
      `Cannot create the DuckDB database ${file}: the directory ${directory} does not exist. Create it, or choose another path.`,
    );
  }
  try {
    await access(directory, constants.W_OK);
  } catch {
    throw unwritableError(file, 'its directory is not writable');
  }
}

function openError(file: string, error: unknown): CioError {
  const reason = error instanceof Error ? error.message : String(error);
  if (/could not set lock/i.test(reason)) return lockedError(file, error);
  if (DAMAGED_FILE.test(reason)) return damagedError(file, reason, error);
  return unwritableError(file, reason, error);
}

/**
 * What DuckDB says when the file's bytes are not a whole database: a block whose checksum fails, or a
 * file shorter than its own header says (truncated). Permissions have nothing to do with it.
 */
const DAMAGED_FILE =
  /corrupt database file|does not match stored checksum|could not read enough bytes from file/i;

/** The file is left as it is: it may be the only copy of what was synced, and a backup may restore it. */
function damagedError(file: string, reason: string, cause: unknown): CioError {
  return new CioError(
    'CIO_ERR_DESTINATION',
    `The DuckDB database ${file} is damaged (${reason}); cio-sync left it untouched. Restore it from a backup, or move it away (or delete it) to sync everything again from scratch.`,
    { cause },
  );
}

function lockedError(file: string, cause?: unknown): CioError {
  return new CioError(
    'CIO_ERR_DESTINATION',
    `Another cio-sync run is using the DuckDB database ${file} (or another program has it open); wait for it to finish, then run again.`,
    cause === undefined ? {} : { cause },
  );
}

function unwritableError(file: string, reason: string, cause?: unknown): CioError {
  return new CioError(
    'CIO_ERR_DESTINATION',
    `Cannot open the DuckDB database ${file} for writing (${reason}). Check that the path is a writable location, or choose another path.`,
    cause === undefined ? {} : { cause },
  );
}
