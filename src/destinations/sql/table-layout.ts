import { DELETED_AT, SYNCED_AT } from '../../engine/sink.js';
import type { LogicalType } from './column-types.js';
import { assignIdentifier, fitIdentifier, type IdentifierRules, identifierKey } from './identifier-names.js';

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
  /**
   * Columns of the table that no `_cio_columns` entry claims (the map lost them, or a person added
   * them), by identifier key: a field whose own name leads here takes the column instead of a new one.
   */
  unclaimed: ReadonlyMap<string, CatalogColumn>;
}

/** A column as the engine's catalog describes it; `type` is undefined when no column type matches. */
export interface CatalogColumn {
  column: string;
  type: LogicalType | undefined;
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
    unclaimed: new Map(),
  };
}

/**
 * The layout of an existing table from its catalog columns (in table order) and its saved map. Map
 * entries whose column is gone (dropped by hand) are forgotten, so they are added again; an entry
 * whose type the catalog contradicts takes the catalog's type (the column is what it is).
 */
export function layoutFromCatalog(
  table: string,
  catalogColumns: readonly CatalogColumn[],
  mapped: readonly ColumnInfo[],
  rules: IdentifierRules,
): TableLayout {
  const byKey = new Map(
    catalogColumns.map((info, index) => [identifierKey(info.column, rules), { info, index }]),
  );
  const claimed = new Set<string>();
  const present: ColumnInfo[] = [];
  for (const entry of mapped) {
    const key = identifierKey(entry.column, rules);
    const found = byKey.get(key);
    // Two entries claiming one column: the map is wrong about one of them; the first keeps it.
    if (found === undefined || claimed.has(key)) continue;
    claimed.add(key);
    present.push({ ...entry, column: found.info.column, type: found.info.type ?? entry.type });
  }
  const position = (info: ColumnInfo): number => byKey.get(identifierKey(info.column, rules))?.index ?? 0;
  present.sort((a, b) => position(a) - position(b));
  const metadata = new Set(METADATA_COLUMNS.map((name) => identifierKey(name, rules)));
  const unclaimed = new Map(
    [...byKey]
      .filter(([key]) => !claimed.has(key) && !metadata.has(key))
      .map(([key, { info }]) => [key, info]),
  );
  return {
    table,
    exists: true,
    values: new Map(present.filter((info) => info.role === 'value').map((info) => [info.field, info])),
    raws: new Map(present.filter((info) => info.role === 'raw').map((info) => [info.field, info])),
    overflow: present.find((info) => info.role === 'overflow'),
    taken: new Set([...metadata, ...byKey.keys()]),
    unclaimed,
  };
}

/**
 * Map entries for fields that already have a column the map does not know of: a column named as the
 * field's fitted identifier is that field's column, and `<column>__raw` beside it is its raw column.
 * Without this, a lost `_cio_columns` would give every field a second, hashed column.
 */
export function adoptColumns(
  layout: TableLayout,
  wanted: ReadonlyMap<string, LogicalType>,
  rules: IdentifierRules,
): ColumnInfo[] {
  const unclaimed = new Map(layout.unclaimed);
  const take = (name: string): CatalogColumn | undefined => {
    const key = identifierKey(name, rules);
    const found = unclaimed.get(key);
    unclaimed.delete(key);
    return found;
  };
  const adopted: ColumnInfo[] = [];
  const valueColumns = new Map([...layout.values].map(([field, info]) => [field, info.column]));
  for (const [field, type] of wanted) {
    if (layout.values.has(field) || isMetadataField(field)) continue;
    const found = take(fitIdentifier(field, rules));
    if (found === undefined) continue;
    adopted.push({ field, role: 'value', column: found.column, type: found.type ?? type });
    valueColumns.set(field, found.column);
  }
  for (const [field, column] of valueColumns) {
    if (layout.raws.has(field)) continue;
    const found = take(`${column}__raw`);
    if (found !== undefined) adopted.push({ field, role: 'raw', column: found.column, type: 'json' });
  }
  return adopted;
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
  const unclaimed = new Map(layout.unclaimed);
  let overflow = layout.overflow;
  for (const info of added) {
    if (info.role === 'overflow') overflow = info;
    else (info.role === 'value' ? values : raws).set(info.field, info);
    taken.add(identifierKey(info.column, rules));
    unclaimed.delete(identifierKey(info.column, rules));
  }
  return { table: layout.table, exists: true, values, raws, overflow, taken, unclaimed };
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
