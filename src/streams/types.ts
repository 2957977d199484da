import type { ApiClient, ApiRequest, Paging, QueryValue } from '../api/types.js';

/** The subset of JSON Schema that the catalogs, DDL and validation use. */
export interface JsonSchema {
  type?: string | string[];
  format?: string;
  description?: string;
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  [keyword: string]: unknown;
}

/**
 * A row as it reaches a sink: top-level fields only; date-time fields the API sent as unix seconds
 * are DateTime values (core/time.ts), written as RFC 3339 strings.
 */
export type Row = Record<string, unknown>;

/** The readers a table can name (streams/readers/index.ts maps each to its strategy). */
export type ReaderName = 'list' | 'passes' | 'customers' | 'suppressions' | 'parent-child' | 'metrics';

/** One query of a table read in several passes (reader `passes`). */
export interface ListPass {
  /** Added to the entry's request query. */
  query: Record<string, QueryValue>;
  /** Values for fields a record of this pass leaves out or sends as null. */
  defaults?: Row;
}

/** A parent's key as its table's rows carry it (campaign, broadcast, newsletter and segment ids). */
export type ParentKey = number | string;

/**
 * A table read per row of another (docs/streams.md, "Structure tables"): `request.path` holds
 * `{<keyColumn>}`, replaced by each parent's key.
 */
export interface ParentLink {
  /** The parent table: its rows that the same run read are the parents. */
  table: string;
  /** The child column that holds the parent's key, set on every row from the parent. */
  keyColumn: string;
  /**
   * The records of one answer, where they are not an array under `recordsKey` (segment
   * dependencies: one object of id lists). Only for tables without paging.
   */
  recordsOf?: (body: Record<string, unknown>) => unknown[];
  /**
   * Reads one parent's records itself, where that takes more than one endpoint (objects: a search,
   * then one request per object). Resolves to every record of the parent.
   */
  readChildren?: (
    key: ParentKey,
    ctx: ReadContext,
    signal: AbortSignal,
    stream: string,
  ) => Promise<unknown[]>;
}

/** How a metrics table reads (reader `metrics`). */
export interface MetricsSource {
  version: 1 | 2;
  /**
   * Metrics per action (or newsletter content): the structure table that lists each parent's
   * actions, and the column (also the `{placeholder}` in the path) that holds an action's id.
   */
  perChild?: { table: string; keyColumn: string };
  /** Rows per language variant too (`language_variants`): `variant_action_id` and `language`. */
  variants?: true;
  /**
   * Link metrics (version 1): one row per link and day, read twice (`unique=false`, then
   * `unique=true`, whose counts go to `unique_<name>` columns).
   */
  links?: true;
  /**
   * Journey metrics (campaigns): version-2 style UTC-day windows asked with `start`, `end` and
   * `resolution=days`; the counts sit under `journey_metric`, one cohort per day journeys started.
   */
  journeys?: true;
}

/**
 * One table as written in THE TABLE (streams/definitions.ts): what it asks for, how it pages and
 * what its rows are. The optional fields with a default (recordsKey, paging, primaryKey, reader)
 * are filled in by `StreamDefinition`.
 */
export interface TableEntry {
  /** Method, path and any fixed query or body parameters. */
  request: ApiRequest;
  /** The key of the array of records in the response envelope. Default: the table's name. */
  recordsKey?: string;
  /** Default: no paging (one answer holds the whole list). */
  paging?: Paging;
  /** Default: `['id']`. */
  primaryKey?: string[];
  /** Present for incremental streams: the field whose value is the bookmark. */
  replicationKey?: string;
  /**
   * For full-table streams with a time field: the start date filters on it, and rows older than
   * the start date are kept as "aged out" rather than marked deleted.
   */
  timeField?: string;
  /**
   * The API serves only recent records (messages about six months, activities about 30 days): rows
   * older than the oldest `timeField` value read have aged out, not been deleted.
   */
  agesOut?: boolean;
  /** With `agesOut`: about how many days back the API serves (what `cio-sync plan` estimates with). */
  keptDays?: number;
  /**
   * New records appear before positions already read (newest-first lists): a resumed read first
   * reads the head again, down to the newest `timeField` value the interrupted attempt committed.
   */
  growsAtHead?: boolean;
  /** The API filters by time itself (messages: `start_ts`). */
  serverTimeFilter?: 'start_ts';
  /**
   * Reads between complete reads may ask for only what changed (see PartialRead). A table read per
   * parent (`parent-child`) whose parent has one gets `{ kind: 'parents' }` by default.
   */
  partialRead?: PartialRead;
  /** JSON Schema of one row (without the `_cio_*` metadata columns). */
  schema: JsonSchema;
  /** Turns one API record into a row, when that is more than converting timestamps. */
  toRow?: (record: unknown) => Row;
  /** The strategy that reads the table. Default: 'list' (one list endpoint, paged as `paging` says). */
  reader?: ReaderName;
  /** Reader `passes`: the queries that together list every record, read in this order. */
  passes?: readonly ListPass[];
  /** Tables read per parent (reader `parent-child`): the parent table and where its key goes. */
  parent?: ParentLink;
  /** Not selected unless named (a request per object): left out of the default table list. */
  optIn?: true;
  /**
   * Metrics tables (reader `metrics`, docs/streams.md "Metrics tables"): the API version the
   * endpoint is read with (2: explicit UTC-day windows; 1: the last 45 Eastern days).
   */
  metrics?: MetricsSource;
}

/**
 * How a read between complete reads can ask for only what changed. Database destinations (and the
 * protocols' incremental mode) use it; a complete read still comes every `full_refresh_days`, and
 * only a complete read marks rows deleted. The settings are named, not read, here: the engine
 * looks them up in the config.
 */
export type PartialRead =
  /**
   * The API filters by time (`serverTimeFilter`): ask for records from the newest `timeField` value
   * loaded minus the days of `lookbackDaysSetting` (their other fields still change).
   */
  | { kind: 'rescan'; lookbackDaysSetting: 'messages_rescan_days' }
  /**
   * Newest first (`growsAtHead`, or asked with `askNewestFirst`): read from the head and stop at the
   * first page that reaches records older than the newest time loaded minus `overlapSeconds` and
   * the days of `lookbackDaysSetting` (records of those days still change).
   */
  | {
      kind: 'head';
      overlapSeconds: number;
      lookbackDaysSetting?: 'messages_rescan_days';
      /**
       * The list comes newest first only when asked (newsletters: `sort=desc`): the query that
       * asks, and the time field the order is by. The order is checked, not trusted: the read stops
       * only at a page wholly older than its window, once the pages came newest first; otherwise it
       * reads to the end. Complete reads do not ask.
       */
      askNewestFirst?: { query: Record<string, QueryValue>; field: string };
    }
  /**
   * No way to ask for changed records: the reader follows a feed of change events since the last
   * read (`ReadContext.changedSince`), only when `enabledBy` is set to 'changes', and only while the
   * last read is younger than `retentionDays` (the feed forgets older events).
   */
  | {
      kind: 'changes';
      enabledBy: 'customers_refresh';
      /** The feed: a newest-first list of events, one request chain per type. */
      feed: { path: string; recordsKey: string; pageSize: number; types: readonly string[] };
      retentionDays: number;
      overlapSeconds: number;
    }
  /**
   * A table read per parent whose parent table reads partially: when the parent's read in the same
   * run was a partial read that finished, only the parents it returned are read, and the read is
   * partial too (children of older parents wait for the next complete read of the parent).
   */
  | { kind: 'parents' };

/** A table entry with its name and every default filled in. */
export interface StreamDefinition<Name extends string = string> extends TableEntry {
  name: Name;
  recordsKey: string;
  paging: Paging;
  primaryKey: string[];
  reader: ReaderName;
}

/** One page of rows ready for a sink, and where the read continues after it (null: complete). */
export interface StreamPage {
  rows: Row[];
  /** JSON-serialisable; saved in state so an interrupted read resumes after this page. */
  position: unknown | null;
  /** Tables read per parent: parents read whole so far (those of an interrupted attempt included), of all. */
  parents?: { done: number; total: number };
  /** A read following a change feed: the newest event time (RFC 3339) the read covers so far. */
  feedMark?: string;
  /**
   * Where the window the read re-reads starts (metrics tables): rows whose `column` is older lie
   * outside it and are not marked deleted, unless no row of their `groupColumn` (the parent) was
   * seen by the read: then the parent is gone and so are they.
   */
  covered?: { column: string; from: Date; groupColumn: string };
}

/**
 * How far a read has got in a unit of its own, beside its pages: customers' ids listed and people
 * whose attributes were fetched, the suppression lists read, a child table's parents. `total` is
 * known once the read knows how many there are (ids: once the list is exhausted).
 */
export interface ReadUnits {
  /** What is counted, one word: "ids", "attributes", "lists", "parents". */
  label: string;
  done: number;
  total?: number;
}

export interface ReadContext {
  client: ApiClient;
  /** Position saved after the last committed page of an interrupted read, if any. */
  resume?: unknown;
  /** Only records at or after this instant are wanted (server-side where the API can filter). */
  startDate?: Date;
  /** Added to the entry's request query (a partial read that asks for newest first). */
  query?: Record<string, QueryValue>;
  /**
   * Present when a table whose entry has a `changes` PartialRead follows its change feed. With
   * `since`: only records changed since then are wanted, found through the feed. Without: a
   * complete read, which notes where the feed's head is so the next read can go on from there.
   */
  changeFeed?: { since?: Date };
  signal?: AbortSignal;
  /** Requests a reader may keep in flight at once (customers' attribute calls, suppression types). */
  concurrency: number;
  /**
   * Request the next page while the consumer handles this one (default true). A consumer that may
   * stop early turns it off, so it spends no request on a page it will not use.
   */
  readAhead?: boolean;
  /** Something worth telling the user that does not fail the read (customers the API omitted). */
  onWarning?: (message: string) => void;
  /** Called whenever the read's own units move (a snapshot of every counter it keeps, in order). */
  onProgress?: (units: ReadUnits[]) => void;
  /**
   * Tables with a parent: the keys of the parent rows this run read, when the run read the whole
   * parent table (resolves undefined otherwise: the reader then lists the parents itself).
   */
  parentKeys?: () => Promise<readonly ParentKey[] | undefined>;
  /** Metrics tables: the trailing days every sync re-reads (setting `metrics_window_days`). */
  metricsWindowDays?: number;
  /** Whether the table completed a read before (a version-2 metrics table backfills otherwise). */
  completedBefore?: boolean;
}

export type StreamReader = (definition: StreamDefinition, ctx: ReadContext) => AsyncIterable<StreamPage>;
