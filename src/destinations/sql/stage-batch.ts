import { ownField, setOwnField } from '../../core/own-fields.js';
import type { Row } from '../../streams/types.js';
import { inferLogicalType, type LogicalType } from './column-types.js';
import { type ColumnValue, type Fitted, fitKeyValue, fitValue, MISFIT, toJsonText } from './column-values.js';
import { type IdentifierRules, storableFieldName } from './identifier-names.js';
import { type ColumnInfo, isMetadataField, type TableLayout } from './table-layout.js';

/** A batch turned into column values: what a sink loads into its staging table. */
export interface StagedRows {
  columns: ColumnInfo[];
  rows: ColumnValue[][];
}

/**
 * Rows fitted to the typed columns; values that did not fit wait for their `__raw` column, and
 * fields without a column (a table at its column limit) for the overflow column.
 */
export interface FittedRows {
  valueColumns: ColumnInfo[];
  rows: {
    values: ColumnValue[];
    raw: Map<string, unknown> | undefined;
    extra: Record<string, unknown> | undefined;
  }[];
  /** Values that did not fit their column's type. */
  coerced: number;
  misfitFields: Set<string>;
}

/**
 * One row per primary key, the last one of the batch winning, compared as the engine will compare
 * them: the rows and their keys (a key equal to another batch's key means the same row).
 */
export function dedupeByPrimaryKey(
  rows: readonly Row[],
  primaryKey: readonly string[],
  layout: TableLayout,
): { rows: Row[]; keys: Iterable<unknown> } {
  const types = primaryKey.map((field) => layout.values.get(field)?.type ?? 'text');
  let misfits = 0;
  // A value that fits no key type never matches another (the sink sets such rows aside before this).
  const keyOf = (row: Row, index: number): unknown => {
    const fitted = fitKeyValue(types[index] ?? 'text', ownField(row, primaryKey[index] ?? ''));
    if (fitted !== MISFIT) return fitted;
    misfits += 1;
    return { misfit: misfits };
  };
  const byKey = new Map<unknown, Row>();
  for (const row of rows) {
    // One key column keys the map by the value itself: Map compares bigints and strings by value.
    const key =
      primaryKey.length === 1
        ? keyOf(row, 0)
        : JSON.stringify(primaryKey.map((_, index) => keyPart(keyOf(row, index))));
    byKey.set(key, row);
  }
  return { rows: byKey.size === rows.length ? [...rows] : [...byKey.values()], keys: byKey.keys() };
}

/** Fields the rows carry that the layout has no column for, with a type inferred from their values. */
export function undeclaredFields(rows: readonly Row[], layout: TableLayout): Map<string, LogicalType> {
  const values = new Map<string, unknown[]>();
  for (const row of rows) {
    // for-in rather than Object.entries: this runs for every row of every batch (hot path).
    for (const field in row) {
      if (layout.values.has(field)) continue;
      const value = row[field];
      if (value === undefined || isMetadataField(field)) continue;
      const seen = values.get(field);
      if (seen) seen.push(value);
      else values.set(field, [value]);
    }
  }
  return new Map([...values].map(([field, seen]) => [field, inferLogicalType(seen)]));
}

/**
 * The rows with every field renamed to its storable name (see IdentifierRules.textRefusesNul), or
 * `rows` itself when no field needs it. Only undeclared fields are looked at: a field whose name
 * needs a change never has a column under its own name, so it is always undeclared.
 */
export function withStorableFieldNames(
  rows: Row[],
  undeclared: ReadonlyMap<string, LogicalType>,
  rules: IdentifierRules,
): Row[] {
  const renamed = [...undeclared.keys()].filter((field) => storableFieldName(field, rules) !== field);
  if (renamed.length === 0) return rows;
  return rows.map((row) => {
    if (!renamed.some((field) => Object.hasOwn(row, field))) return row;
    const copy: Row = {};
    for (const [field, value] of Object.entries(row))
      setOwnField(copy, storableFieldName(field, rules), value);
    return copy;
  });
}

/** Fits every row to the layout's typed columns (every field the layout has is in the layout). */
export function fitRows(
  rows: readonly Row[],
  layout: TableLayout,
  primaryKey: readonly string[],
): FittedRows {
  const valueColumns = [...layout.values.values()];
  const keys = new Set(primaryKey);
  const fields = valueColumns.map((info) => info.field);
  const fitters = valueColumns.map((info): ((value: unknown) => Fitted) =>
    keys.has(info.field) ? (value) => fitKeyValue(info.type, value) : (value) => fitValue(info.type, value),
  );
  const misfitFields = new Set<string>();
  let coerced = 0;
  // Plain loops: this runs for every value of every page (hot path).
  const fitted = rows.map((row) => {
    let raw: Map<string, unknown> | undefined;
    const values: ColumnValue[] = new Array(fields.length);
    for (let index = 0; index < fields.length; index++) {
      const field = fields[index] as string;
      const value = ownField(row, field);
      const result = (fitters[index] as (value: unknown) => Fitted)(value);
      if (result !== MISFIT) {
        values[index] = result;
        continue;
      }
      coerced++;
      misfitFields.add(field);
      raw ??= new Map();
      raw.set(field, value);
      values[index] = null;
    }
    return { values, raw, extra: layout.overflow ? fieldsWithoutColumn(row, layout) : undefined };
  });
  return { valueColumns, rows: fitted, coerced, misfitFields };
}

/**
 * The staging rows: typed values, then every `__raw` column of the layout (null where the value fitted,
 * which also clears a stale raw value when a field fits again), then the overflow column if any.
 */
export function stageRows(fitted: FittedRows, layout: TableLayout): StagedRows {
  const rawColumns = [...layout.raws.values()];
  const overflow = layout.overflow;
  if (rawColumns.length === 0 && overflow === undefined)
    return { columns: fitted.valueColumns, rows: fitted.rows.map(({ values }) => values) };
  const rawOf = (raw: Map<string, unknown> | undefined, field: string): ColumnValue =>
    raw?.has(field) ? toJsonText(raw.get(field)) : null;
  return {
    columns: [...fitted.valueColumns, ...rawColumns, ...(overflow ? [overflow] : [])],
    rows: fitted.rows.map(({ values, raw, extra }) => {
      const staged = [...values, ...rawColumns.map((info) => rawOf(raw, info.field))];
      if (overflow) staged.push(overflowText(extra, raw, layout));
      return staged;
    }),
  };
}

/** A row's fields the layout has no column for (data fields only), or undefined for none. */
function fieldsWithoutColumn(row: Row, layout: TableLayout): Record<string, unknown> | undefined {
  let extra: Record<string, unknown> | undefined;
  for (const [field, value] of Object.entries(row)) {
    if (value === undefined || layout.values.has(field) || isMetadataField(field)) continue;
    extra ??= {};
    setOwnField(extra, field, value);
  }
  return extra;
}

/** The overflow column's JSON: fields without a column, and misfit values without a `__raw` column. */
function overflowText(
  extra: Record<string, unknown> | undefined,
  raw: Map<string, unknown> | undefined,
  layout: TableLayout,
): ColumnValue {
  let kept = extra;
  for (const [field, value] of raw ?? []) {
    if (layout.raws.has(field)) continue;
    kept = kept === extra ? { ...extra } : kept;
    setOwnField(kept as Record<string, unknown>, field, value);
  }
  return kept === undefined ? null : toJsonText(kept);
}

function keyPart(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return `misfit:${JSON.stringify(value)}`;
  return `${typeof value}:${String(value)}`;
}
