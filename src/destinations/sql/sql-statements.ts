import { DELETED_AT, SYNCED_AT } from '../../engine/sink.js';
import type { SqlDialect } from './sql-dialect.js';
import type { ColumnInfo } from './table-layout.js';

/** The sink's own tables, next to the data they describe. */
export const STATE_TABLE = '_cio_state';
export const RUNS_TABLE = '_cio_sync_runs';
export const COLUMNS_TABLE = '_cio_columns';
/** Records that could not be stored as they are, one row per table and record key. */
export const REJECTED_TABLE = '_cio_rejected_records';
/** Staging tables are named this plus a number, one per stream with a batch open. */
export const STAGING_PREFIX = '_cio_stage_';

/** Aliases of the data table and the staging table in a merge. */
const TARGET = '_cio_target';
const STAGED = '_cio_staged';

export function bootstrapStatements(d: SqlDialect): string[] {
  const t = d.columnTypes;
  return [
    `CREATE TABLE IF NOT EXISTS ${d.tableRef(STATE_TABLE)} (stream ${t.text} PRIMARY KEY, bookmark ${t.json}, updated_at ${t.timestamptz})`,
    `CREATE TABLE IF NOT EXISTS ${d.tableRef(RUNS_TABLE)} (run_id ${t.text} PRIMARY KEY, started_at ${t.timestamptz}, finished_at ${t.timestamptz}, status ${t.text}, streams ${t.json}, error ${t.text})`,
    `CREATE TABLE IF NOT EXISTS ${d.tableRef(COLUMNS_TABLE)} (table_name ${t.text}, field ${t.text}, role ${t.text}, column_name ${t.text}, column_type ${t.text}, PRIMARY KEY (table_name, field, role))`,
    // The record is JSON text in a text column: jsonb would refuse the very values that got it here.
    `CREATE TABLE IF NOT EXISTS ${d.tableRef(REJECTED_TABLE)} (table_name ${t.text}, record_key ${t.text}, reason ${t.text}, record ${t.text}, first_seen_at ${t.timestamptz}, last_seen_at ${t.timestamptz}, PRIMARY KEY (table_name, record_key))`,
  ];
}

/** $1 run id, $2 started at, $3 streams JSON. */
export function startRunSql(d: SqlDialect): string {
  const t = d.columnTypes;
  const p = d.placeholder;
  return `INSERT INTO ${d.tableRef(RUNS_TABLE)} (run_id, started_at, finished_at, status, streams, error)
    VALUES (${p(1)}, CAST(${p(2)} AS ${t.timestamptz}), NULL, 'running', CAST(${p(3)} AS ${t.json}), NULL)
    ON CONFLICT (run_id) DO UPDATE SET started_at = EXCLUDED.started_at, finished_at = NULL,
      status = EXCLUDED.status, streams = EXCLUDED.streams, error = NULL`;
}

/** Runs left `running` by a process that died (or lost the destination) before recording its end. */
export function interruptRunsSql(d: SqlDialect): string {
  return `UPDATE ${d.tableRef(RUNS_TABLE)} SET status = 'interrupted' WHERE status = 'running'`;
}

/** The number of rows in a staging table, as `count`. */
export function stagedCountSql(d: SqlDialect, staging: string): string {
  return `SELECT count(*) AS count FROM ${d.stagingRef(staging)}`;
}

/** The number of rows in a data table, as `count`. */
export function tableCountSql(d: SqlDialect, table: string): string {
  return `SELECT count(*) AS count FROM ${d.tableRef(table)}`;
}

/** $1 run id, $2 status, $3 finished at, $4 streams JSON, $5 error. */
export function finishRunSql(d: SqlDialect): string {
  const t = d.columnTypes;
  const p = d.placeholder;
  return `UPDATE ${d.tableRef(RUNS_TABLE)} SET status = ${p(2)}, finished_at = CAST(${p(3)} AS ${t.timestamptz}),
    streams = CAST(${p(4)} AS ${t.json}), error = ${p(5)} WHERE run_id = ${p(1)}`;
}

/** The saved bookmarks as JSON text, in stream order. */
export function loadStateSql(d: SqlDialect): string {
  return `SELECT stream, CAST(bookmark AS ${d.columnTypes.text}) AS bookmark FROM ${d.tableRef(STATE_TABLE)} ORDER BY stream`;
}

/** Forgets every saved bookmark, or (`$1`...`$n`) those of the `streams` given. */
export function resetStateSql(d: SqlDialect, streams: number | 'all'): string {
  const table = d.tableRef(STATE_TABLE);
  if (streams === 'all') return `DELETE FROM ${table}`;
  const list = Array.from({ length: streams }, (_, index) => d.placeholder(index + 1));
  return `DELETE FROM ${table} WHERE stream IN (${list.join(', ')})`;
}

/** $1 stream, $2 bookmark JSON. */
export function saveStateSql(d: SqlDialect): string {
  const p = d.placeholder;
  return `INSERT INTO ${d.tableRef(STATE_TABLE)} (stream, bookmark, updated_at)
    VALUES (${p(1)}, CAST(${p(2)} AS ${d.columnTypes.json}), CURRENT_TIMESTAMP)
    ON CONFLICT (stream) DO UPDATE SET bookmark = EXCLUDED.bookmark, updated_at = EXCLUDED.updated_at`;
}

/** $1 table. */
export function loadColumnMapSql(d: SqlDialect): string {
  const p = d.placeholder;
  return `SELECT field, role, column_name, column_type FROM ${d.tableRef(COLUMNS_TABLE)} WHERE table_name = ${p(1)}`;
}

/** $1 table. */
export function forgetColumnMapSql(d: SqlDialect): string {
  const p = d.placeholder;
  return `DELETE FROM ${d.tableRef(COLUMNS_TABLE)} WHERE table_name = ${p(1)}`;
}

/**
 * Saves `entries` column map entries in one statement: $1..$5 the first (table, field, role, column,
 * column type), $6..$10 the next, and so on. One statement, because DuckDB runs out of its small
 * memory budget on hundreds of single-row upserts in one transaction.
 */
export function saveColumnMapSql(d: SqlDialect, entries: number): string {
  const p = d.placeholder;
  const rows = Array.from({ length: entries }, (_, index) => {
    const first = index * 5;
    return `(${[1, 2, 3, 4, 5].map((offset) => p(first + offset)).join(', ')})`;
  });
  return `INSERT INTO ${d.tableRef(COLUMNS_TABLE)} (table_name, field, role, column_name, column_type)
    VALUES ${rows.join(', ')}
    ON CONFLICT (table_name, field, role) DO UPDATE SET column_name = EXCLUDED.column_name, column_type = EXCLUDED.column_type`;
}

/**
 * Saves `entries` rejected records in one statement: $1..$4 the first (table, record key, reason,
 * record JSON), $5..$8 the next, and so on. A record seen before keeps its first_seen_at.
 */
export function saveRejectedSql(d: SqlDialect, entries: number): string {
  const p = d.placeholder;
  const rows = Array.from({ length: entries }, (_, index) => {
    const first = index * 4;
    const values = [1, 2, 3, 4].map((offset) => p(first + offset));
    return `(${values.join(', ')}, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)`;
  });
  return `INSERT INTO ${d.tableRef(REJECTED_TABLE)} (table_name, record_key, reason, record, first_seen_at, last_seen_at)
    VALUES ${rows.join(', ')}
    ON CONFLICT (table_name, record_key) DO UPDATE SET reason = EXCLUDED.reason, record = EXCLUDED.record, last_seen_at = EXCLUDED.last_seen_at`;
}

export function createTableSql(
  d: SqlDialect,
  table: string,
  columns: readonly ColumnInfo[],
  keyColumns: readonly string[],
): string {
  const q = d.quote;
  const keys = new Set(keyColumns);
  const notNull = (info: ColumnInfo) => (keys.has(info.column) ? ' NOT NULL' : '');
  const definitions = [
    ...columns.map((info) => `${q(info.column)} ${d.columnTypes[info.type]}${notNull(info)}`),
    `${q(SYNCED_AT)} ${d.columnTypes.timestamptz}`,
    `${q(DELETED_AT)} ${d.columnTypes.timestamptz}`,
    // Without ON CONFLICT the sink keeps keys unique itself, and the index would only cost memory.
    ...(d.upsert === 'on_conflict' ? [`PRIMARY KEY (${keyColumns.map(q).join(', ')})`] : []),
  ];
  return `CREATE TABLE IF NOT EXISTS ${d.tableRef(table)} (${definitions.join(', ')})`;
}

export function addColumnSql(d: SqlDialect, table: string, info: ColumnInfo): string {
  return `ALTER TABLE ${d.tableRef(table)} ADD COLUMN ${d.quote(info.column)} ${d.columnTypes[info.type]}`;
}

export function createStagingSql(d: SqlDialect, staging: string, columns: readonly ColumnInfo[]): string {
  const definitions = columns.map((info) => `${d.quote(info.column)} ${d.stagingTypes[info.type]}`);
  return `${d.createStaging} ${d.stagingRef(staging)} (${definitions.join(', ')})`;
}

export function dropStagingSql(d: SqlDialect, staging: string): string {
  return `DROP TABLE IF EXISTS ${d.stagingRef(staging)}`;
}

/** One statement of a merge, run when `when` (given the probe's count) says so. */
export interface MergeStatement {
  sql: string;
  /** Absent: always. `present`: staged rows whose key the table already has; `staged`: all of them. */
  when?: (present: number, staged: number) => boolean;
}

/**
 * Staging -> target upsert. `probe`, when there is one, counts the staged rows whose key the table
 * already has; then the statements run in order, and their row counts add up to the rows written.
 * Every row written gets the transaction's time and a cleared deletion mark. With `skipUnchanged`
 * (incremental streams) a row whose data columns all equal the stored ones is not rewritten, unless
 * it was marked deleted.
 */
export function mergeSql(
  d: SqlDialect,
  table: string,
  staging: string,
  columns: readonly ColumnInfo[],
  keyColumns: readonly string[],
  skipUnchanged: boolean,
): { probe?: string; statements: MergeStatement[] } {
  return d.upsert === 'on_conflict'
    ? {
        statements: [
          { sql: onConflictMergeSql(d, table, d.stagingRef(staging), columns, keyColumns, skipUnchanged) },
        ],
      }
    : updateThenInsertSql(d, table, d.stagingRef(staging), columns, keyColumns, skipUnchanged);
}

/**
 * The condition under which an upsert rewrites a stored row: a data column differs (each pair is the
 * stored and the incoming expression), or the row was marked deleted.
 */
function needsRewrite(
  d: SqlDialect,
  target: string,
  pairs: readonly [stored: string, incoming: string][],
): string {
  const wasDeleted = `${target}.${d.quote(DELETED_AT)} IS NOT NULL`;
  if (pairs.length === 0) return wasDeleted;
  const same = pairs.map(([stored, incoming]) => `${stored} IS NOT DISTINCT FROM ${incoming}`);
  return `NOT (${same.join(' AND ')}) OR ${wasDeleted}`;
}

function onConflictMergeSql(
  d: SqlDialect,
  table: string,
  staging: string,
  columns: readonly ColumnInfo[],
  keyColumns: readonly string[],
  skipUnchanged: boolean,
): string {
  const q = d.quote;
  const target = q(TARGET);
  const names = columns.map((info) => q(info.column));
  const selected = columns.map((info) => d.fromStaging(info.type, q(info.column)));
  const keys = new Set(keyColumns);
  const updatable = columns.filter((info) => !keys.has(info.column)).map((info) => q(info.column));
  const assignments = [
    ...updatable.map((name) => `${name} = EXCLUDED.${name}`),
    `${q(SYNCED_AT)} = EXCLUDED.${q(SYNCED_AT)}`,
    `${q(DELETED_AT)} = NULL`,
  ];
  const pairs = updatable.map((name): [string, string] => [`${target}.${name}`, `EXCLUDED.${name}`]);
  const condition = skipUnchanged ? ` WHERE ${needsRewrite(d, target, pairs)}` : '';
  return `INSERT INTO ${d.tableRef(table)} AS ${target} (${[...names, q(SYNCED_AT), q(DELETED_AT)].join(', ')})
    SELECT ${selected.join(', ')}, CURRENT_TIMESTAMP, NULL FROM ${staging}
    ON CONFLICT (${keyColumns.map(q).join(', ')}) DO UPDATE SET ${assignments.join(', ')}${condition}`;
}

function updateThenInsertSql(
  d: SqlDialect,
  table: string,
  staging: string,
  columns: readonly ColumnInfo[],
  keyColumns: readonly string[],
  skipUnchanged: boolean,
): { probe: string; statements: MergeStatement[] } {
  const q = d.quote;
  const target = d.tableRef(table);
  const alias = q(STAGED);
  const staged = (info: ColumnInfo) => d.fromStaging(info.type, `${alias}.${q(info.column)}`);
  const keys = new Set(keyColumns);
  const keyInfos = columns.filter((info) => keys.has(info.column));
  const updatable = columns.filter((info) => !keys.has(info.column));
  const sameKey = keyInfos.map((info) => `${target}.${q(info.column)} = ${staged(info)}`).join(' AND ');
  const present = `EXISTS (SELECT 1 FROM ${target} WHERE ${sameKey})`;
  const assignments = [
    ...updatable.map((info) => `${q(info.column)} = ${staged(info)}`),
    `${q(SYNCED_AT)} = CURRENT_TIMESTAMP`,
    `${q(DELETED_AT)} = NULL`,
  ];
  const pairs = updatable.map((info): [string, string] => [`${target}.${q(info.column)}`, staged(info)]);
  const changed = skipUnchanged ? ` AND (${needsRewrite(d, target, pairs)})` : '';
  const names = [...columns.map((info) => q(info.column)), q(SYNCED_AT), q(DELETED_AT)];
  const insert = `INSERT INTO ${target} (${names.join(', ')})
      SELECT ${columns.map(staged).join(', ')}, CURRENT_TIMESTAMP, NULL FROM ${staging} AS ${alias}`;
  // Each join against the table scans its key columns, which costs more as the table grows. The
  // probe is one such scan; a batch of new rows (every batch of a first sync) then needs no other,
  // and one of known rows (a full-table read again) needs only the UPDATE's.
  return {
    probe: `SELECT count(*) AS present FROM ${staging} AS ${alias} WHERE ${present}`,
    statements: [
      {
        sql: `UPDATE ${target} SET ${assignments.join(', ')} FROM ${staging} AS ${alias} WHERE ${sameKey}${changed}`,
        when: (found) => found > 0,
      },
      { sql: insert, when: (found) => found === 0 },
      { sql: `${insert}\n      WHERE NOT ${present}`, when: (found, all) => found > 0 && found < all },
    ],
  };
}

/**
 * $1 read started at[, $2 aged-out boundary]: marks rows a complete read did not see. Rows whose
 * time column is older than the boundary lie outside the window read and are left alone.
 */
export function markDeletedSql(
  d: SqlDialect,
  table: string,
  agedOutColumn: string | undefined,
  groupColumn?: string,
): string {
  const t = d.columnTypes;
  const p = d.placeholder;
  const q = d.quote;
  // With a group column (metrics: the parent), an old row goes too when no row of its group was
  // seen by the read: its parent is gone.
  const goneGroup =
    groupColumn === undefined
      ? ''
      : ` OR ${q(groupColumn)} NOT IN (SELECT ${q(groupColumn)} FROM ${d.tableRef(table)} WHERE ${q(SYNCED_AT)} >= CAST(${p(1)} AS ${t.timestamptz}) AND ${q(groupColumn)} IS NOT NULL)`;
  const window =
    agedOutColumn === undefined
      ? ''
      : ` AND (${q(agedOutColumn)} IS NULL OR ${q(agedOutColumn)} >= CAST(${p(2)} AS ${t.timestamptz})${goneGroup})`;
  return `UPDATE ${d.tableRef(table)} SET ${q(DELETED_AT)} = CURRENT_TIMESTAMP
    WHERE ${q(DELETED_AT)} IS NULL AND ${q(SYNCED_AT)} < CAST(${p(1)} AS ${t.timestamptz})${window}`;
}
