import { isRecord } from '../../core/json.js';
import type { StateConnection } from './saved-state.js';
import { RUNS_TABLE } from './sql-statements.js';

/**
 * Each table's requests in the last run that succeeded, from `_cio_sync_runs` (the progress view's
 * estimate of what this run will ask); undefined when there is no such run.
 */
export async function lastRunRequests(
  connection: StateConnection,
): Promise<Record<string, number> | undefined> {
  const { dialect } = connection;
  const exists = dialect.introspection.tableExists(RUNS_TABLE);
  if ((await connection.query(exists.sql, exists.params)).rows.length === 0) return undefined;
  const last = await connection.query(
    `SELECT CAST(streams AS ${dialect.columnTypes.text}) AS streams FROM ${dialect.tableRef(RUNS_TABLE)}
      WHERE status = 'succeeded' ORDER BY started_at DESC LIMIT 1`,
  );
  const text = last.rows[0]?.streams;
  if (typeof text !== 'string') return undefined;
  const streams: unknown = JSON.parse(text);
  if (!isRecord(streams)) return undefined;
  const requests: Record<string, number> = {};
  for (const [name, stats] of Object.entries(streams)) {
    if (isRecord(stats) && typeof stats.requests === 'number') requests[name] = stats.requests;
  }
  return requests;
}

/**
 * Each table's stats in the last `limit` runs that finished (succeeded or partial), newest first:
 * what `cio-sync plan` estimates the next run from. Empty when there is no run log.
 */
export async function recentRunStreams(
  connection: StateConnection,
  limit = 50,
): Promise<Record<string, { status?: string; read?: string; requests: number }>[]> {
  const { dialect } = connection;
  const exists = dialect.introspection.tableExists(RUNS_TABLE);
  if ((await connection.query(exists.sql, exists.params)).rows.length === 0) return [];
  const runs = await connection.query(
    `SELECT CAST(streams AS ${dialect.columnTypes.text}) AS streams FROM ${dialect.tableRef(RUNS_TABLE)}
      WHERE status IN ('succeeded', 'partial') ORDER BY started_at DESC LIMIT ${Math.floor(limit)}`,
  );
  const out: Record<string, { status?: string; read?: string; requests: number }>[] = [];
  for (const row of runs.rows) {
    const streams: unknown = typeof row.streams === 'string' ? JSON.parse(row.streams) : undefined;
    if (!isRecord(streams)) continue;
    const run: Record<string, { status?: string; read?: string; requests: number }> = {};
    for (const [name, stats] of Object.entries(streams)) {
      if (!isRecord(stats) || typeof stats.requests !== 'number') continue;
      run[name] = {
        requests: stats.requests,
        ...(typeof stats.status === 'string' ? { status: stats.status } : {}),
        ...(typeof stats.read === 'string' ? { read: stats.read } : {}),
      };
    }
    out.push(run);
  }
  return out;
}
