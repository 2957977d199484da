import { ownField } from '../core/own-fields.js';
import type { Row } from '../streams/types.js';
import type { SyncEventListener } from './events.js';
import type { RejectedRecord } from './sink.js';

/** Rejected records of a table named one by one in the log when the sink does not keep them. */
const NAMED_PER_TABLE = 20;

/**
 * Sets aside the records without a value for every primary key field: no sink can upsert them, and
 * one of them must not stop the table. The others keep their order.
 */
export function setAsideKeyless(
  rows: Row[],
  primaryKey: readonly string[],
): { rows: Row[]; rejected: RejectedRecord[] } {
  const keyless = (row: Row): string | undefined =>
    primaryKey.find((field) => ownField(row, field) === null || ownField(row, field) === undefined);
  // Nearly every page has none: keep it as it is.
  if (!rows.some((row) => keyless(row) !== undefined)) return { rows, rejected: [] };
  const kept: Row[] = [];
  const rejected: RejectedRecord[] = [];
  for (const row of rows) {
    const missing = keyless(row);
    if (missing === undefined) kept.push(row);
    else {
      const state = ownField(row, missing) === null ? 'is null' : 'is missing';
      rejected.push({ record: row, reason: `primary key field "${missing}" ${state}` });
    }
  }
  return { rows: kept, rejected };
}

/**
 * Tells the user about a table's rejected records: each one (up to a few) when the sink skips them,
 * and the count once the table is done.
 */
export class RejectionReport {
  /** Records the engine set aside so far. */
  setAside = 0;

  constructor(
    private readonly stream: string,
    private readonly kept: boolean,
    private readonly emit: SyncEventListener,
  ) {}

  /** Notes the records the engine set aside from one page. */
  add(rejected: readonly RejectedRecord[]): void {
    for (const { reason } of rejected) {
      this.setAside += 1;
      if (this.kept || this.setAside > NAMED_PER_TABLE) continue;
      this.warn(`skipped a record that cannot be stored as it is: ${reason}`);
    }
  }

  /** The table's closing warning, given every rejected record (engine and sink); silent for none. */
  finish(total: number): void {
    if (total === 0) return;
    this.warn(
      this.kept
        ? `${total} record(s) could not be stored as they are; they are kept in _cio_rejected_records with the reason`
        : `${total} record(s) could not be stored as they are and were skipped`,
    );
  }

  private warn(message: string): void {
    this.emit({
      type: 'log',
      level: 'warn',
      message: `Table ${this.stream}: ${message}.`,
      stream: this.stream,
    });
  }
}
