import { CioError } from '../../core/errors.js';
import type { StreamSpec } from '../../engine/sink.js';
import { isLogicalType, type LogicalType, logicalTypeOfSchema } from './column-types.js';
import { fitIdentifier, type IdentifierRules, storableFieldName } from './identifier-names.js';
import type { SqlDialect, SqlSession } from './sql-dialect.js';
import {
  addColumnSql,
  createTableSql,
  forgetColumnMapSql,
  loadColumnMapSql,
  saveColumnMapSql,
} from './sql-statements.js';
import {
  adoptColumns,
  COLUMN_ROLES,
  type ColumnInfo,
  type ColumnRole,
  emptyLayout,
  layoutFromCatalog,
  planColumns,
  type TableLayout,
  withColumns,
} from './table-layout.js';
import { inTransaction } from './transaction.js';

/** Column map entries saved per statement (5 parameters each, well under any engine's limit). */
const MAP_ENTRIES_PER_STATEMENT = 500;

/**
 * Creates and grows stream tables (never drops), remembering each table's layout for the session.
 * Every change commits together with its `_cio_columns` entries.
 */
export class TableEvolution {
  private readonly layouts = new Map<string, TableLayout>();

  constructor(private readonly dialect: SqlDialect) {}

  /**
   * Brings the stream's table up to its schema plus `undeclared` fields (typed from their values) and
   * `__raw` columns for `misfitFields`; returns the resulting layout.
   */
  async ensure(
    session: SqlSession,
    stream: StreamSpec,
    undeclared: ReadonlyMap<string, LogicalType> = new Map(),
    misfitFields: Iterable<string> = [],
  ): Promise<TableLayout> {
    if (stream.primaryKey.length === 0) {
      throw new CioError('CIO_ERR_INTERNAL', `Stream "${stream.name}" has no primary key to upsert by`, {
        stream: stream.name,
      });
    }
    const rules = this.dialect.identifiers;
    const table = fitIdentifier(stream.name, rules);
    const known = this.layouts.get(table) ?? (await this.load(session, table));
    // Columns the map lost (or never had) are taken back first, so no field gets a second column.
    const adopted = adoptColumns(known, wantedFields(stream, undeclared, rules), rules);
    const layout = withColumns(known, adopted, rules);
    const added = this.plan(layout, stream, undeclared, misfitFields);
    if (known.exists && adopted.length === 0 && added.length === 0) {
      this.layouts.set(table, known);
      return known;
    }
    await inTransaction(session, async () => {
      if (known.exists) {
        for (const info of added) await session.query(addColumnSql(this.dialect, table, info));
      } else {
        await session.query(forgetColumnMapSql(this.dialect), [table]);
        const keyColumns = keyColumnsOf(stream, withColumns(layout, added, rules));
        await session.query(createTableSql(this.dialect, table, added, keyColumns));
      }
      // Adopted columns are saved with the change, so the map is whole again once it commits.
      const entries = [...adopted, ...added];
      for (let start = 0; start < entries.length; start += MAP_ENTRIES_PER_STATEMENT) {
        const chunk = entries.slice(start, start + MAP_ENTRIES_PER_STATEMENT);
        const params = chunk.flatMap((info) => [table, info.field, info.role, info.column, info.type]);
        await session.query(saveColumnMapSql(this.dialect, chunk.length), params);
      }
    });
    const next = withColumns(layout, added, rules);
    this.layouts.set(table, next);
    return next;
  }

  /**
   * The remembered layout when it already holds everything `ensure` would add, without touching the
   * database; undefined when `ensure` has work to do.
   */
  peek(
    stream: StreamSpec,
    undeclared: ReadonlyMap<string, LogicalType> = new Map(),
    misfitFields: Iterable<string> = [],
  ): TableLayout | undefined {
    const rules = this.dialect.identifiers;
    const layout = this.layouts.get(fitIdentifier(stream.name, rules));
    if (!layout?.exists) return undefined;
    return this.plan(layout, stream, undeclared, misfitFields).length > 0 ? undefined : layout;
  }

  private plan(
    layout: TableLayout,
    stream: StreamSpec,
    undeclared: ReadonlyMap<string, LogicalType>,
    misfitFields: Iterable<string>,
  ): ColumnInfo[] {
    const rules = this.dialect.identifiers;
    const wanted = wantedFields(stream, undeclared, rules);
    return planColumns(layout, wanted, misfitFields, rules, this.dialect.maxColumns);
  }

  /** Forgets every layout (a new session may find tables changed by hand in between). */
  clear(): void {
    this.layouts.clear();
  }

  private async load(session: SqlSession, table: string): Promise<TableLayout> {
    const rules = this.dialect.identifiers;
    const columns = this.dialect.introspection.columnsOf(table);
    const catalog = await session.query(columns.sql, columns.params);
    const catalogColumns = catalog.rows.map((row) => ({
      column: String(row.column_name),
      type: this.dialect.introspection.logicalTypeOf(String(row.data_type)),
    }));
    if (catalogColumns.length === 0) return emptyLayout(table, rules);
    const mapped = await session.query(loadColumnMapSql(this.dialect), [table]);
    const infos = mapped.rows.flatMap((row): ColumnInfo[] => {
      const { role, column_type: type } = row;
      if (!COLUMN_ROLES.includes(role as ColumnRole) || !isLogicalType(type)) return [];
      return [{ field: String(row.field), role: role as ColumnRole, column: String(row.column_name), type }];
    });
    return layoutFromCatalog(table, catalogColumns, infos, rules);
  }
}

/** The primary key's column names in the layout. */
export function keyColumnsOf(stream: StreamSpec, layout: TableLayout): string[] {
  return stream.primaryKey.map((field) => layout.values.get(field)?.column ?? field);
}

/** Every field the table needs a typed column for; key fields no schema describes are text. */
function wantedFields(
  stream: StreamSpec,
  undeclared: ReadonlyMap<string, LogicalType>,
  rules: IdentifierRules,
): Map<string, LogicalType> {
  const wanted = new Map<string, LogicalType>();
  for (const [field, schema] of Object.entries(stream.schema.properties ?? {})) {
    wanted.set(storableFieldName(field, rules), logicalTypeOfSchema(schema));
  }
  for (const field of stream.primaryKey) if (!wanted.has(field)) wanted.set(field, 'text');
  for (const [field, type] of undeclared) if (!wanted.has(field)) wanted.set(field, type);
  return wanted;
}
