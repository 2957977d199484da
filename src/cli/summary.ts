import type { SyncResult } from '../engine/sync.js';
import { alignColumns, formatCount } from './text-format.js';

/**
 * The final view of a sync: a line per table (read = rows fetched this run, written = rows the
 * destination inserted or changed, in table = rows the table holds now, requests), the key check's
 * request on a line of its own, and a total that says what it counts.
 */
export function formatSummary(result: SyncResult): string {
  const tables = Object.entries(result.streams).sort(([a], [b]) => a.localeCompare(b));
  const cells = [['table', 'status', 'read', 'written', 'in table', 'requests']];
  for (const [name, stats] of tables) {
    const resumed = stats.resumed ? ' (resumed)' : '';
    cells.push([
      name,
      `${stats.status}${resumed}`,
      formatCount(stats.rows),
      formatCount(stats.written ?? 0),
      stats.inTable === undefined ? '-' : formatCount(stats.inTable),
      formatCount(stats.requests),
    ]);
  }
  const reads = tables.reduce((sum, [, s]) => sum + s.requests, 0);
  // What no table's count holds: the request proving the key (more if it was retried).
  const keyCheck = Math.max(0, result.requests - reads);
  if (keyCheck > 0) cells.push(['(key check)', '', '', '', '', formatCount(keyCheck)]);
  const lines = alignColumns(cells, 2);
  lines.push(totalLine(result, reads, keyCheck), outcomeLine(result));
  return lines.join('\n');
}

function totalLine(result: SyncResult, reads: number, keyCheck: number): string {
  const stats = Object.values(result.streams);
  const read = stats.reduce((sum, s) => sum + s.rows, 0);
  const written = stats.reduce((sum, s) => sum + (s.written ?? 0), 0);
  const rejected = stats.reduce((sum, s) => sum + (s.rejected ?? 0), 0);
  // Only when there are some: the summary of a clean run stays short.
  const rejectedNote = rejected > 0 ? `, ${formatCount(rejected)} rejected records` : '';
  const split =
    keyCheck > 0 ? ` (${formatCount(reads)} table reads + ${formatCount(keyCheck)} key check)` : '';
  return (
    `${stats.length} ${stats.length === 1 ? 'table' : 'tables'}: ${formatCount(read)} rows read, ${formatCount(written)} written${rejectedNote}, ` +
    `${formatCount(result.requests)} requests${split}, ${formatCount(result.rateLimited)} rate-limited`
  );
}

function outcomeLine(result: SyncResult): string {
  const seconds = ((result.finishedAt.getTime() - result.startedAt.getTime()) / 1000).toFixed(1);
  if (result.error?.code === 'CIO_ERR_INTERRUPTED') {
    return `interrupted after ${seconds} s: the rows written are committed; run the sync again to resume`;
  }
  return `${result.status} in ${seconds} s`;
}
