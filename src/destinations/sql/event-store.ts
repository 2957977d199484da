import { ownField } from '../../core/own-fields.js';
import type { StreamSpec } from '../../engine/sink.js';
import type { JsonSchema } from '../../streams/types.js';
import { inferLogicalType, type LogicalType, logicalTypeOfSchema } from './column-types.js';
import { type ColumnValue, fitKeyValue, fitValue, MISFIT } from './column-values.js';
import { fitIdentifier } from './identifier-names.js';
import { createSerialQueue } from './serial-queue.js';
import type { SqlDialect, SqlParam, SqlSession } from './sql-dialect.js';
import { bootstrapStatements, createStagingSql, dropStagingSql } from './sql-statements.js';
import { TableEvolution } from './table-evolution.js';
import type { ColumnInfo, TableLayout } from './table-layout.js';
import { inTransaction } from './transaction.js';

/** Bodies that were signed correctly but are not events: kept, with why, never lost. */
export const REJECTED_EVENTS_TABLE = '_cio_rejected_events';

/** One row of an append-once table: its key and its fields (declared or not). */
export interface AppendRow {
  key: string;
  fields: Readonly<Record<string, unknown>>;
}

/** A body set aside, keyed by its hash so a retried one is kept once. */
export interface SetAsideBody {
  sha256: string;
  reason: string;
  body: string;
  /** The request's X-CIO-Timestamp, as sent. */
  sentAt: string | undefined;
  receivedAt: Date;
}

/**
 * An append-once table (`cio-sync serve`'s `delivery_events`): a row whose key is already stored is
 * not written again. Every value reaches SQL as a bound parameter.
 */
export interface EventStore {
  /** Creates the table and the rejected-bodies table (idempotent). */
  prepare(): Promise<void>;
  /**
   * In one transaction: the rows whose key is absent and the set-aside bodies. Returns the keys
   * written (a key already stored, or repeated in `rows`, is written once).
   */
  append(rows: readonly AppendRow[], setAside: readonly SetAsideBody[]): Promise<Set<string>>;
  /** Throws unless the destination takes a write transaction now. */
  checkWritable(): Promise<void>;
  /** Rows of each table that exists (a table not created yet is left out). */
  countRows(tables: readonly string[]): Promise<Record<string, number>>;
  close(): Promise<void>;
}

/** The staging table of the DuckDB path (in the in-memory staging database). */
const EVENTS_STAGING = '_cio_serve_staged_events';
/**
 * Batches of more rows than this go through the staging table. Measured into DuckDB (ms per batch,
 * bound parameters / staged): 1 row 4.3 / 10.4, 8 rows 7.3 / 8.3, 32 rows 17.8 / 8.0, 128 rows
 * 65.6 / 12.5.
 */
const STAGED_ABOVE_ROWS = 8;

/** Parameters per statement, well under PostgreSQL's 65,535. */
const MAX_PARAMS = 20_000;

export function createEventStore(dialect: SqlDialect, session: SqlSession, spec: StreamSpec): EventStore {
  return new SqlEventStore(dialect, session, spec);
}

class SqlEventStore implements EventStore {
  private readonly serial = createSerialQueue();
  private readonly tables: TableEvolution;
  private readonly declared: Map<string, LogicalType>;
  private readonly key: string;
  /** The columns the staging table was created with (DuckDB path). */
  private stagedColumns: string | undefined;

  constructor(
    private readonly dialect: SqlDialect,
    private readonly session: SqlSession,
    private readonly spec: StreamSpec,
  ) {
    this.tables = new TableEvolution(dialect);
    this.key = spec.primaryKey[0] ?? 'id';
    this.declared = new Map(
      Object.entries(spec.schema.properties ?? {}).map(([field, schema]: [string, JsonSchema]) => [
        field,
        logicalTypeOfSchema(schema),
      ]),
    );
  }

  prepare(): Promise<void> {
    return this.serial(async () => {
      const d = this.dialect;
      const t = d.columnTypes;
      for (const sql of bootstrapStatements(d)) await this.session.query(sql);
      // Created here, not by TableEvolution, so that DuckDB gets a key to skip repeats by (its
      // synced tables go without one); TableEvolution then adopts these columns.
      const columns = [...this.declared].map(
        ([field, type]) => `${d.quote(field)} ${t[type]}${field === this.key ? ' NOT NULL PRIMARY KEY' : ''}`,
      );
      await this.session.query(
        `CREATE TABLE IF NOT EXISTS ${d.tableRef(this.table)} (${columns.join(', ')})`,
      );
      await this.session.query(
        `CREATE TABLE IF NOT EXISTS ${d.tableRef(REJECTED_EVENTS_TABLE)} (body_sha256 ${t.text} NOT NULL PRIMARY KEY, reason ${t.text}, body ${t.text}, sent_at ${t.text}, received_at ${t.timestamptz})`,
      );
      await this.tables.ensure(this.session, this.spec);
    });
  }

  private get table(): string {
    return fitIdentifier(this.spec.name, this.dialect.identifiers);
  }

  append(rows: readonly AppendRow[], setAside: readonly SetAsideBody[]): Promise<Set<string>> {
    return this.serial(() => {
      const work = async () => {
        const layout = await this.layoutFor(rows);
        if (this.dialect.upsert === 'on_conflict') return this.write(layout, rows, setAside, new Set());
        // No ON CONFLICT (DuckDB's costs several times a plain INSERT): the stored keys are looked up
        // first, so the INSERT never meets one. (Never an INSERT left to fail on the key: after such a
        // failure DuckDB 1.5 went on refusing those keys as duplicates though no row held them.)
        const written = new Set<string>();
        const fresh = await this.absent(layout, rows, written);
        if (setAside.length === 0 && fresh.length > STAGED_ABOVE_ROWS) {
          await this.writeStaged(layout, fresh);
          return written;
        }
        return this.write(layout, fresh, setAside, written);
      };
      // DuckDB's memory limit is small and shared with a running sync: work that ran out of it runs
      // once more with more.
      return this.session.withMemoryHeadroom ? this.session.withMemoryHeadroom(work) : work();
    });
  }

  /**
   * Inserts `rows` through a staging table: bulk-loaded (DuckDB's Appender), then one INSERT ...
   * SELECT, which is a transaction of its own. Binding every value as a parameter cost ~0.5 ms a row.
   */
  private async writeStaged(layout: TableLayout, rows: readonly AppendRow[]): Promise<void> {
    const d = this.dialect;
    const columns = [...layout.values.values()];
    const signature = columns.map((info) => `${info.column}:${info.type}`).join(',');
    if (this.stagedColumns !== signature) {
      await this.session.query(dropStagingSql(d, EVENTS_STAGING));
      await this.session.query(createStagingSql(d, EVENTS_STAGING, columns));
      this.stagedColumns = signature;
    }
    const values = rows.map((row) =>
      columns.map((info) => this.stagedValue(info.field, info.type, ownField(row.fields, info.field))),
    );
    try {
      await this.session.loadStaging(EVENTS_STAGING, columns, values);
      await this.session.finishStaging?.(EVENTS_STAGING);
      const names = columns.map((info) => d.quote(info.column)).join(', ');
      const selected = columns.map((info) => d.fromStaging(info.type, d.quote(info.column))).join(', ');
      await this.session.query(
        `INSERT INTO ${d.tableRef(layout.table)} (${names}) SELECT ${selected} FROM ${d.stagingRef(EVENTS_STAGING)}`,
      );
    } finally {
      await this.session.query(`DELETE FROM ${d.stagingRef(EVENTS_STAGING)}`).catch(() => {
        this.stagedColumns = undefined;
      });
    }
  }

  /** A value as its staging column holds it (timestamps as microseconds), or null. */
  private stagedValue(field: string, type: LogicalType, value: unknown): ColumnValue {
    if (value instanceof Date) return type === 'timestamptz' ? BigInt(value.getTime()) * 1000n : null;
    const fitted = this.declared.has(field) ? fitKeyValue(type, value) : fitValue(type, value);
    return fitted === MISFIT ? null : fitted;
  }

  /**
   * Inserts `rows` and the set-aside bodies, all or none; returns `written` plus the keys an ON
   * CONFLICT insert reports written.
   */
  private async write(
    layout: TableLayout,
    rows: readonly AppendRow[],
    setAside: readonly SetAsideBody[],
    written: Set<string>,
  ): Promise<Set<string>> {
    const columns = [...layout.values.values()].filter((info) =>
      rows.some((row) => ownField(row.fields, info.field) != null),
    );
    const perStatement = Math.max(1, Math.floor(MAX_PARAMS / Math.max(1, columns.length)));
    const statements = [
      ...[...chunks(rows, perStatement)].map((chunk) => this.insertSql(layout, columns, chunk)),
      ...[...chunks(setAside, Math.floor(MAX_PARAMS / 5))].map((chunk) => this.setAsideSql(chunk)),
    ];
    const run = async () => {
      for (const statement of statements) {
        const result = await this.session.query(statement.sql, statement.params);
        // ON CONFLICT ... RETURNING lists the keys written; a plain INSERT answers a count instead.
        if (!statement.returnsKeys) continue;
        for (const row of result.rows) written.add(String(Object.values(row)[0]));
      }
    };
    // One statement is a transaction of its own: two round trips fewer per commit.
    if (statements.length === 1) await run();
    else if (statements.length > 1) await inTransaction(this.session, run);
    return written;
  }

  checkWritable(): Promise<void> {
    return this.serial(async () => {
      const d = this.dialect;
      // A write that changes nothing: a read-only server or a lost connection refuses it all the same.
      await inTransaction(this.session, async () => {
        await this.session.query(
          `UPDATE ${d.tableRef(REJECTED_EVENTS_TABLE)} SET reason = reason WHERE 1 = 0`,
        );
      });
    });
  }

  countRows(tables: readonly string[]): Promise<Record<string, number>> {
    return this.serial(async () => {
      const counts: Record<string, number> = {};
      for (const name of tables) {
        const table = fitIdentifier(name, this.dialect.identifiers);
        const exists = this.dialect.introspection.tableExists(table);
        if ((await this.session.query(exists.sql, exists.params)).rows.length === 0) continue;
        const result = await this.session.query(`SELECT count(*) AS n FROM ${this.dialect.tableRef(table)}`);
        counts[name] = Number(result.rows[0]?.n ?? 0);
      }
      return counts;
    });
  }

  close(): Promise<void> {
    return this.serial(() => this.session.close());
  }

  /** The table's layout once it has a column for every field these rows carry. */
  private async layoutFor(rows: readonly AppendRow[]): Promise<TableLayout> {
    const values = new Map<string, unknown[]>();
    for (const row of rows) {
      for (const [field, value] of Object.entries(row.fields)) {
        if (this.declared.has(field)) continue;
        const list = values.get(field);
        if (list === undefined) values.set(field, [value]);
        else list.push(value);
      }
    }
    const undeclared = new Map([...values].map(([field, list]) => [field, inferLogicalType(list)]));
    return (
      this.tables.peek(this.spec, undeclared) ??
      (await this.tables.ensure(this.session, this.spec, undeclared))
    );
  }

  /**
   * The rows whose key is not stored yet, the first of each key only; those are then `written`.
   * (DuckDB: a lookup and a plain INSERT cost a fraction of its ON CONFLICT. Only this session
   * writes the table, and it writes one batch at a time, so nothing comes in between.)
   */
  private async absent(
    layout: TableLayout,
    rows: readonly AppendRow[],
    written: Set<string>,
  ): Promise<AppendRow[]> {
    const d = this.dialect;
    const stored = new Set<string>();
    const keyColumn = d.quote(layout.values.get(this.key)?.column ?? this.key);
    for (const chunk of chunks(rows, MAX_PARAMS)) {
      const list = chunk.map((_, index) => d.placeholder(index + 1)).join(', ');
      const found = await this.session.query(
        `SELECT ${keyColumn} AS k FROM ${d.tableRef(layout.table)} WHERE ${keyColumn} IN (${list})`,
        chunk.map((row) => row.key),
      );
      for (const row of found.rows) stored.add(String(row.k));
    }
    const fresh: AppendRow[] = [];
    for (const row of rows) {
      if (stored.has(row.key) || written.has(row.key)) continue;
      written.add(row.key);
      fresh.push(row);
    }
    return fresh;
  }

  private insertSql(
    layout: TableLayout,
    columns: readonly ColumnInfo[],
    rows: readonly AppendRow[],
  ): { sql: string; params: SqlParam[]; returnsKeys: boolean } {
    const d = this.dialect;
    const params: SqlParam[] = [];
    const tuples = rows.map((row) => {
      const cells = columns.map((info) => {
        params.push(this.param(info.field, info.type, ownField(row.fields, info.field)));
        return castParam(d, info.type, params.length);
      });
      return `(${cells.join(', ')})`;
    });
    const keyColumn = d.quote(layout.values.get(this.key)?.column ?? this.key);
    const skipStored =
      d.upsert === 'on_conflict' ? ` ON CONFLICT (${keyColumn}) DO NOTHING RETURNING ${keyColumn}` : '';
    return {
      sql: `INSERT INTO ${d.tableRef(layout.table)} (${columns.map((info) => d.quote(info.column)).join(', ')})
        VALUES ${tuples.join(', ')}${skipStored}`,
      params,
      returnsKeys: skipStored !== '',
    };
  }

  private setAsideSql(bodies: readonly SetAsideBody[]): {
    sql: string;
    params: SqlParam[];
    returnsKeys: boolean;
  } {
    const d = this.dialect;
    const params: SqlParam[] = [];
    const tuples = bodies.map((body) => {
      params.push(
        body.sha256,
        this.text(body.reason),
        this.text(body.body),
        body.sentAt === undefined ? null : this.text(body.sentAt),
        body.receivedAt.toISOString(),
      );
      const at = params.length;
      return `(${d.placeholder(at - 4)}, ${d.placeholder(at - 3)}, ${d.placeholder(at - 2)}, ${d.placeholder(at - 1)}, ${castParam(d, 'timestamptz', at)})`;
    });
    return {
      sql: `INSERT INTO ${d.tableRef(REJECTED_EVENTS_TABLE)} (body_sha256, reason, body, sent_at, received_at)
        VALUES ${tuples.join(', ')} ON CONFLICT (body_sha256) DO NOTHING`,
      params,
      returnsKeys: false,
    };
  }

  /**
   * A value as the text its column's cast reads. Declared columns take lossless conversions (an id
   * sent as "42" or 42 fits either kind of column); a value that fits no column is null there (the
   * row's payload keeps it).
   */
  private param(field: string, type: LogicalType, value: unknown): SqlParam {
    if (value instanceof Date) return type === 'timestamptz' ? value.toISOString() : null;
    const fitted = this.declared.has(field) ? fitKeyValue(type, value) : fitValue(type, value);
    if (fitted === MISFIT || fitted === null) return null;
    const text = this.text(paramText(type, fitted));
    // JSON text spells U+0000 as an escape, which PostgreSQL's jsonb refuses as well.
    return type === 'json' && this.dialect.identifiers.textRefusesNul
      ? text.replace(/(?<!\\)((?:\\\\)*)\\u0000/g, '$1\\ufffd')
      : text;
  }

  /** Text a column can hold: PostgreSQL text takes no U+0000. */
  private text(value: string): string {
    return this.dialect.identifiers.textRefusesNul ? value.replaceAll('\u0000', '\uFFFD') : value;
  }
}

function paramText(type: LogicalType, fitted: ColumnValue): string {
  if (type === 'timestamptz') return new Date(Number(BigInt(fitted as bigint) / 1000n)).toISOString();
  return String(fitted);
}

/** The `index`-th placeholder read as a value of `type`. */
function castParam(d: SqlDialect, type: LogicalType, index: number): string {
  const placeholder = d.placeholder(index);
  return type === 'text' ? placeholder : `CAST(${placeholder} AS ${d.columnTypes[type]})`;
}

function* chunks<T>(items: readonly T[], size: number): Generator<readonly T[]> {
  for (let start = 0; start < items.length; start += size) yield items.slice(start, start + size);
}
