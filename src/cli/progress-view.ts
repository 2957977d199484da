import type { ReadUnits } from '../engine/events.js';
import type { SyncProgress, TableProgress } from './sync-progress.js';
import { alignColumns, formatCount, formatDuration } from './text-format.js';

/**
 * The live view of a sync, as lines of text: the overall line (elapsed, requests done / planned,
 * current rate, ETA) and one line per table. Pure: the terminal driver calls it on a timer.
 */
export function renderLiveView(progress: SyncProgress, now: number): string[] {
  const tables = [...progress.tables.values()];
  const cells = tables.map((table) => [
    table.name,
    statusText(table),
    `rows ${formatCount(table.rows)}`,
    `requests ${formatCount(table.requests)}`,
    unitsText(table.units),
  ]);
  return [overallLine(progress, now), ...alignColumns(cells, 5)];
}

function overallLine(progress: SyncProgress, now: number): string {
  const done = progress.requests;
  const planned = progress.planned;
  const rate = progress.requestRate(now);
  const parts = [`elapsed ${formatDuration(now - progress.startedAt)}`];
  parts.push(
    planned === undefined
      ? `requests ${formatCount(done)}`
      : // The last run's count: an estimate, hence the tilde.
        `requests ${formatCount(done)} of ~${formatCount(planned)}`,
  );
  parts.push(`${rate.toFixed(1)} req/s`);
  if (planned !== undefined) {
    const left = planned - done;
    parts.push(left <= 0 ? 'ETA soon' : rate > 0 ? `ETA ${formatDuration((left / rate) * 1000)}` : 'ETA -');
  }
  const running = [...progress.tables.values()].filter((t) => t.status === 'reading').length;
  parts.push(`${running} table(s) reading`);
  return parts.join('  ');
}

function statusText(table: TableProgress): string {
  if (!table.resumed) return table.status;
  return table.status === 'reading' ? 'resuming' : `${table.status} (resumed)`;
}

/** "ids 3,000/3,000, attributes 2,100/3,000": a total only once the reader knows it. */
export function unitsText(units: readonly ReadUnits[]): string {
  return units
    .map(
      (unit) =>
        `${unit.label} ${formatCount(unit.done)}${unit.total === undefined ? '' : `/${formatCount(unit.total)}`}`,
    )
    .join(', ');
}
