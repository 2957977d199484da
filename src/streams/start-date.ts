import { DateTime } from '../core/time.js';
import type { Row, StreamDefinition } from './types.js';

/**
 * The rows a start date lets through: those whose time field (or, for incremental tables, whose
 * replication key: the start date is their first bookmark) is at or after it. A row whose value is
 * missing or unreadable is kept, since we cannot tell that it is too old.
 */
export function startDateFilter(def: StreamDefinition, startDate: Date | undefined): (rows: Row[]) => Row[] {
  const field = def.timeField ?? def.replicationKey;
  if (startDate === undefined || field === undefined) return (rows) => rows;
  // API times are whole seconds, and so is `start_ts`: compare at that precision.
  const from = Math.floor(startDate.getTime() / 1000) * 1000;
  return (rows) =>
    rows.filter((row) => {
      const value = row[field];
      if (value instanceof DateTime) return value.epochMillis >= from;
      if (typeof value !== 'string') return true;
      const at = Date.parse(value);
      return Number.isNaN(at) || at >= from;
    });
}
