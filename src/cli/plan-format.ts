import type { SyncPlan, TablePlan } from '../engine/plan.js';
import { alignColumns, formatCount, formatDuration } from './text-format.js';

function readOf(table: TablePlan): string {
  return table.scope.kind === 'partial'
    ? `changes since ${table.scope.since.toISOString().slice(0, 16)}Z`
    : 'complete';
}

/**
 * `cio-sync plan`'s answer: per table the read the next sync makes, its requests and their time at
 * the configured rate, and where the estimate comes from; then the total with the key check.
 */
export function formatPlan(plan: SyncPlan, requestsPerSecond: number): string {
  const time = (requests: number) => formatDuration((requests / requestsPerSecond) * 1000);
  const rows: string[][] = [['table', 'read', 'from', 'requests', 'time']];
  for (const table of plan.tables) {
    rows.push([table.name, readOf(table), table.source, formatCount(table.requests), time(table.requests)]);
  }
  rows.push(['key check', '', '', '1', time(1)]);
  rows.push(['total', '', `at ${requestsPerSecond}/s`, formatCount(plan.total), time(plan.total)]);
  const lines = alignColumns(rows, 3);
  const reasons = plan.tables
    .filter((t) => t.scope.kind === 'complete' && t.scope.reason !== 'the table is always read completely')
    .map((t) => `  ${t.name}: complete because ${t.scope.kind === 'complete' ? t.scope.reason : ''}`);
  return [...lines, ...(reasons.length > 0 ? ['', ...reasons] : [])].join('\n');
}
