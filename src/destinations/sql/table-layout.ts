import { DELETED_AT, SYNCED_AT } from '../../engine/sink.js';
import type { LogicalType } from './column-types.js';
import { assignIdentifier, type IdentifierRules, identifierKey } from './identifier-names.js';

/**
 * Which column holds which field. Kept in `_cio_columns` so that a field lands in the same column on
 * every run even when its name had to change (too long, or clashing with another name).
 */
export type ColumnRole = 'value' | 'raw' | 'overflow';

export const COLUMN_ROLES: readonly ColumnRole[] = ['value', 'raw', 'overflow'];

/** The JSON column holding, per row, the fields a table at its column limit has no column for. */
export const OVERFLOW_COLUMN = '_cio_overflow';

export interface ColumnInfo {
  field: string;
  role: ColumnRole;
  column: string;
  type: LogicalType;
}

export interface TableLayout {
  table: string;
  exists: boolean;
  /** Typed columns by field, in table order. */
  values: ReadonlyMap<string, ColumnInfo>;
  /** `<column>__raw` JSON columns by field: values that did not fit the typed column. */
  raws: ReadonlyMap<string, ColumnInfo>;
  /**
   * Once the table reached its column limit: the JSON column for fields without a column of their
   * own, and for values that did not fit a column that has no `__raw` column.
   */
  overflow: ColumnInfo | undefined;
  /** Identifier keys of every column name in use, including ones this layout does not own. */
  taken: ReadonlySet<string>;
}

/** Metadata columns are not data fields: the sink sets them, and their names are fixed. */
export const METADATA_COLUMNS: readonly string[] = [SYNCED_AT, DELETED_AT];

export function isMetadataField(field: string): boolean {
  return METADATA_COLUMNS.includes(field);
}

export function emptyLayout(table: string, rules: IdentifierRules): TableLayout {
  return {
    table,
    exists: false,
    values: new Map(),
    raws: new Map(),
    overflow: undefined,
    taken: new Set(METADATA_COLUMNS.map((name) => identifierKey(name, rules))),
  };
}

/**
 * The layout of an existing table from its catalog columns (in table order) and its saved map. Map
 * entries whose column is gone (dropped by hand) are forgotten, so they are added again.
 */
export function layoutFromCatalog(
  table: string,
  catalogColumns: readonly string[],
  mapped: readonly ColumnInfo[],
  rules: IdentifierRules,
): TableLayout {
  const position = new Map(catalogColumns.map((name, index) => [name, index]));
  const present = mapped
    .filter((info) => position.has(info.column))
    .sort((a, b) => (position.get(a.column) ?? 0) - (position.get(b.column) ?? 0));
  const taken = new Set([...METADATA_COLUMNS, ...catalogColumns].map((name) => identifierKey(name, rules)));
  return {
    table,
    exists: true,
    values: new Map(present.filter((info) => info.role === 'value').map((info) => [info.field, info])),
    raws: new Map(present.filter((info) => info.role === 'raw').map((info) => [info.field, info])),
    overflow: present.find((info) => info.role === 'overflow'),
    taken,
  };
}

/**
 * Columns to add for fields the layout lacks, in the order given. Names are handed out in a fixed
 * order (names already in the engine's case first, then by code unit) so that, of `email` and
 * `Email` arriving together, `email` keeps its name and `Email` gets the hashed suffix.
 */
export function planValueColumns(
  layout: TableLayout,
  wanted: ReadonlyMap<string, LogicalType>,
  rules: IdentifierRules,
): ColumnInfo[] {
  const fields = [...wanted.keys()].filter((field) => !layout.values.has(field) && !isMetadataField(field));
  const names = assignInOrder(fields, (field) => field, layout.taken, rules);
  return fields.map((field) => ({
    field,
    role: 'value',
    column: names.get(field) ?? field,
    type: wanted.get(field) ?? 'json',
  }));
}

/** `<column>__raw` JSON columns for fields whose values did not fit their typed column. */
export function planRawColumns(
  layout: TableLayout,
  fields: Iterable<string>,
  rules: IdentifierRules,
): ColumnInfo[] {
  const missing = [...new Set(fields)].filter((field) => layout.values.has(field) && !layout.raws.has(field));
  const preferred = (field: string): string => `${layout.values.get(field)?.column ?? field}__raw`;
  const names = assignInOrder(missing, preferred, layout.taken, rules);
  return missing.map((field) => ({
    field,
    role: 'raw',
    column: names.get(field) ?? preferred(field),
    type: 'json',
  }));
}

/** The layout once `added` columns exist. */
export function withColumns(
  layout: TableLayout,
  added: readonly ColumnInfo[],
  rules: IdentifierRules,
): TableLayout {
  const values = new Map(layout.values);
  const raws = new Map(layout.raws);
  const taken = new Set(layout.taken);
  let overflow = layout.overflow;
  for (const info of added) {
    if (info.role === 'overflow') overflow = info;
    else (info.role === 'value' ? values : raws).set(info.field, info);
    taken.add(identifierKey(info.column, rules));
  }
  return { table: layout.table, exists: true, values, raws, overflow, taken };
}

/**
 * The columns to add for `wanted` fields and `misfitFields` within `maxColumns`: value columns in
 * the order wanted, then `__raw` columns, while there is room; once something does not fit, the
 * overflow column (one column is kept free for it).
 */
export function planColumns(
  layout: TableLayout,
  wanted: ReadonlyMap<string, LogicalType>,
  misfitFields: Iterable<string>,
  rules: IdentifierRules,
  maxColumns: number,
): ColumnInfo[] {
  let room = maxColumns - layout.taken.size - (layout.overflow ? 0 : 1);
  const values = planValueColumns(layout, wanted, rules);
  const keptValues = values.slice(0, Math.max(0, room));
  room -= keptValues.length;
  const raws = planRawColumns(withColumns(layout, keptValues, rules), misfitFields, rules);
  const keptRaws = raws.slice(0, Math.max(0, room));
  const added = [...keptValues, ...keptRaws];
  const full = keptValues.length < values.length || keptRaws.length < raws.length;
  if (full && layout.overflow === undefined) {
    const taken = new Set(withColumns(layout, added, rules).taken);
    const column = assignIdentifier(OVERFLOW_COLUMN, taken, rules);
    added.push({ field: OVERFLOW_COLUMN, role: 'overflow', column, type: 'json' });
  }
  return added;
}

function assignInOrder(
  fields: readonly string[],
  preferred: (field: string) => string,
  alreadyTaken: ReadonlySet<string>,
  rules: IdentifierRules,
): Map<string, string> {
  const taken = new Set(alreadyTaken);
  const inEngineCase = (name: string): number => (identifierKey(name, rules) === name ? 0 : 1);
  const order = [...fields].sort((a, b) => {
    const byCase = inEngineCase(preferred(a)) - inEngineCase(preferred(b));
    if (byCase !== 0) return byCase;
    const pa = preferred(a);
    const pb = preferred(b);
    return pa < pb ? -1 : pa > pb ? 1 : 0;
  });
  const names = new Map<string, string>();
  for (const field of order) {
    const name = assignIdentifier(preferred(field), taken, rules);
    taken.add(identifierKey(name, rules));
    names.set(field, name);
  }
  return names;
}
