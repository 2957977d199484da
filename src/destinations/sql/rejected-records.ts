import { createHash } from 'node:crypto';
import { ownField } from '../../core/own-fields.js';
import type { RejectedRecord } from '../../engine/sink.js';
import type { Row } from '../../streams/types.js';
import { fitKeyValue, MISFIT, toJsonText } from './column-values.js';
import type { SqlParam } from './sql-dialect.js';
import type { TableLayout } from './table-layout.js';

/** A row of `_cio_rejected_records`, its text ready to bind. */
export interface RejectedEntry {
  /** The record's key as JSON (`[7]`), or `sha256:<hash of the record>` when it has none. */
  key: string;
  reason: string;
  /** The record as JSON text: escapes keep NUL and lone surrogates storable in any text column. */
  record: string;
}

/** A rejected record as stored; the same record seen again gets the same key. */
export function rejectedEntry({ record, reason }: RejectedRecord, key?: readonly unknown[]): RejectedEntry {
  const json = toJsonText(record);
  return {
    key: key === undefined ? `sha256:${createHash('sha256').update(json).digest('hex')}` : toJsonText(key),
    // A field name quoted in the reason may carry a NUL, which a text column refuses.
    reason: reason.replaceAll('\u0000', '\uFFFD'),
    record: json,
  };
}

/**
 * Sets aside the rows whose primary key fits no key column (an object for a number key, a null):
 * they cannot be upserted, and must not stop the table.
 */
export function setAsideUnfitKeys(
  rows: Row[],
  primaryKey: readonly string[],
  layout: TableLayout,
): { rows: Row[]; rejected: RejectedEntry[] } {
  const types = primaryKey.map((field) => layout.values.get(field)?.type ?? 'text');
  const unfitField = (row: Row): number =>
    primaryKey.findIndex((field, index) => {
      const fitted = fitKeyValue(types[index] ?? 'text', ownField(row, field));
      return fitted === MISFIT || fitted === null;
    });
  // Nearly every page has none: keep it as it is.
  if (!rows.some((row) => unfitField(row) >= 0)) return { rows, rejected: [] };
  const kept: Row[] = [];
  const rejected: RejectedEntry[] = [];
  for (const row of rows) {
    const index = unfitField(row);
    if (index < 0) {
      kept.push(row);
      continue;
    }
    const field = primaryKey[index] ?? '';
    const value = ownField(row, field);
    const reason =
      value === null || value === undefined
        ? `primary key field "${field}" is ${value === null ? 'null' : 'missing'}`
        : `primary key field "${field}" does not fit its ${types[index]} column`;
    const key =
      value === null || value === undefined
        ? undefined
        : primaryKey.map((name) => ownField(row, name) ?? null);
    rejected.push(rejectedEntry({ record: row, reason }, key));
  }
  return { rows: kept, rejected };
}

/** The parameters of saveRejectedSql for `entries` of stream table `table`. */
export function rejectedParams(table: string, entries: readonly RejectedEntry[]): SqlParam[] {
  return entries.flatMap((entry) => [table, entry.key, entry.reason, entry.record]);
}
