import { expect } from 'vitest';
import type { DbRow } from './duckdb.js';

type Rec = Record<string, unknown>;

/** The simulator's ground truth, as loosely as the tests need it. */
export interface TruthLike {
  [resource: string]: unknown;
}

function list(truth: TruthLike, key: string): Rec[] {
  const value = truth[key];
  if (!Array.isArray(value)) throw new Error(`ground truth has no list "${key}"`);
  return value as Rec[];
}

function stripCredentials(url: unknown): unknown {
  return typeof url === 'string' ? url.replace(/^([a-z]+:\/\/)[^/@]*@/i, '$1') : url;
}

/**
 * Written from streams.md (the contract) and the API facts, not from the connector's definitions.
 * The default rule: a table's rows are the simulator's truth list of the same name, as the API sends
 * them, keyed on `id`. The rest of this block are the genuine exceptions. The truth holds records
 * in the shapes the simulator served (live or spec), so the expected rows do too: every sender
 * identity, hidden ones included, with its `hidden` flag; an empty world expects empty tables.
 */

/** Tables whose truth the simulator keeps under the API resource's own name. */
const TRUTH_KEY: Record<string, string> = {
  transactional_messages: 'transactional',
  types: 'object_types',
  eps_suppression: 'suppressions',
};

export const PRIMARY_KEY: Record<string, string | string[]> = {
  customers: 'cio_id',
  snippets: 'name',
  // Structure tables (streams.md, "Structure tables"): keyed within their parent.
  campaign_actions: ['campaign_id', 'id'],
  broadcast_actions: ['broadcast_id', 'id'],
  broadcast_triggers: ['broadcast_id', 'id'],
  newsletter_contents: ['newsletter_id', 'id'],
  newsletter_test_groups: ['newsletter_id', 'id'],
  segment_members: ['segment_id', 'cio_id'],
  segment_dependencies: ['segment_id', 'dependent_type', 'dependent_id'],
  objects: ['object_type_id', 'object_id'],
  object_relationships: ['object_type_id', 'object_id', 'cio_id'],
  // Metrics tables (streams.md, "Metrics tables"): one row per parent and day.
  campaign_metrics: ['campaign_id', 'period_start'],
  broadcast_metrics: ['broadcast_id', 'period_start'],
  newsletter_metrics: ['newsletter_id', 'period_start'],
  transactional_metrics: ['transactional_id', 'period_start'],
  campaign_action_metrics: ['campaign_id', 'action_id', 'variant_action_id', 'period_start'],
  broadcast_action_metrics: ['broadcast_id', 'action_id', 'variant_action_id', 'period_start'],
  newsletter_content_metrics: ['newsletter_id', 'content_id', 'period_start'],
  campaign_journey_metrics: ['campaign_id', 'period_start'],
  campaign_link_metrics: ['campaign_id', 'link_id', 'period_start'],
  broadcast_link_metrics: ['broadcast_id', 'link_id', 'period_start'],
  newsletter_link_metrics: ['newsletter_id', 'link_id', 'period_start'],
  transactional_link_metrics: ['transactional_id', 'link_id', 'period_start'],
};

/** A key part as text; a day (`period_start`) as unix seconds, whether the API's number or a loaded timestamp. */
function keyPart(column: string, value: unknown): string {
  if (column !== 'period_start' || typeof value === 'number') return String(value);
  return String(loadedMs(value) / 1000);
}

/** A row's primary key as one string (composite keys joined with "|"). */
export function keyOf(table: string, row: Record<string, unknown>): string {
  const key = PRIMARY_KEY[table] ?? 'id';
  return typeof key === 'string' ? String(row[key]) : key.map((k) => keyPart(k, row[k])).join('|');
}

/** Tables whose rows are more than the API's records (streams.md, notes 1 to 3). */
const ROWS_OF: Record<string, (truth: TruthLike) => Rec[]> = {
  customers: (truth) =>
    list(truth, 'customers').map((c) => {
      const identifiers = (c.identifiers ?? {}) as Rec;
      return { ...c, cio_id: identifiers.cio_id, email: identifiers.email ?? null };
    }),
  eps_suppression: (truth) =>
    Object.entries(truth.suppressions as Record<string, Rec[]>).flatMap(([type, rows]) =>
      rows.map((s) => ({ ...s, id: `${type}:${String(s.email)}`, suppression_type: type })),
    ),
  ip_addresses: (truth) => (truth.ip_addresses as string[]).map((ip) => ({ id: ip })),
  // Live sends a campaign action's id as a string of digits; the table stores an integer.
  campaign_actions: (truth) => list(truth, 'campaign_actions').map((a) => ({ ...a, id: Number(a.id) })),
  reporting_webhooks: (truth) =>
    list(truth, 'reporting_webhooks').map((w) => ({ ...w, endpoint: stripCredentials(w.endpoint) })),
};

const TABLE_OF_TRUTH_KEY = new Map(Object.entries(TRUTH_KEY).map(([table, key]) => [key, table]));

/** What each table must hold, keyed by its primary key: one entry per table the truth lists. */
export function expectedTables(truth: TruthLike): Record<string, Map<string, Rec>> {
  const tables: Record<string, Map<string, Rec>> = {};
  for (const key of Object.keys(truth)) {
    const table = TABLE_OF_TRUTH_KEY.get(key) ?? key;
    const rows = ROWS_OF[table]?.(truth) ?? list(truth, key);
    tables[table] = new Map(rows.map((r) => [keyOf(table, r), r]));
  }
  return tables;
}

/** A loaded value equals the API's: unix seconds equal a timestamp column, JSON equals JSON. */
export function sameValue(loaded: unknown, api: unknown): boolean {
  if (api === null || api === undefined) return loaded === null || loaded === undefined;
  if (typeof api === 'number' && Number.isInteger(api) && typeof loaded === 'string') {
    return loadedMs(loaded) === api * 1000;
  }
  if (typeof api === 'object') return JSON.stringify(sortKeys(loaded)) === JSON.stringify(sortKeys(api));
  if (typeof api === 'number' && typeof loaded === 'number') return Math.abs(api - loaded) < 1e-9;
  return loaded === api;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value as Rec)
        .sort()
        .map((k) => [k, sortKeys((value as Rec)[k])]),
    );
  }
  return value;
}

/**
 * Asserts a loaded table holds exactly the expected live rows (those with no `_cio_deleted_at`),
 * each field equal to the API's value.
 */
export function expectTableMatches(table: string, rows: DbRow[], expected: Map<string, Rec>): void {
  const live = rows.filter((r) => r._cio_deleted_at === null || r._cio_deleted_at === undefined);
  const loadedKeys = live.map((r) => keyOf(table, r));
  expect(new Set(loadedKeys).size, `${table}: duplicate primary keys`).toBe(loadedKeys.length);
  expect([...loadedKeys].sort(), `${table}: primary key set`).toEqual([...expected.keys()].sort());
  const byKey = new Map(live.map((r) => [keyOf(table, r), r]));
  const mismatches: string[] = [];
  for (const [pk, record] of expected) {
    const row = byKey.get(pk);
    if (!row) continue;
    for (const [field, value] of Object.entries(record)) {
      if (!sameValue(row[field], value)) {
        mismatches.push(
          `${table}[${pk}].${field}: loaded ${JSON.stringify(row[field])}, API ${JSON.stringify(value)}`,
        );
      }
    }
  }
  expect(mismatches.slice(0, 10), `${table}: field values`).toEqual([]);
}

/** Tables whose deletions the API cannot reveal (they are read incrementally). */
export const INCREMENTAL_TABLES = new Set([
  'broadcasts',
  'transactional_messages',
  'campaigns',
  'newsletters',
  'segments',
  'exports',
  'snippets',
  'collections',
]);

/**
 * Asserts a whole destination equals the ground truth: full-table tables hold exactly the API's
 * rows live (the rest marked deleted); incremental tables hold every API row, equal, and may keep
 * rows the API deleted (no API reveals those deletions).
 */
export function expectLoadedMatchesTruth(loaded: Record<string, DbRow[]>, truth: TruthLike): void {
  const expected = expectedTables(truth);
  for (const [table, rows] of Object.entries(loaded)) {
    const want = expected[table];
    if (!want) throw new Error(`no ground truth for ${table}`);
    if (INCREMENTAL_TABLES.has(table)) {
      expectTableMatches(
        table,
        rows.filter((r) => want.has(keyOf(table, r))),
        want,
      );
    } else {
      expectTableMatches(table, rows, want);
      const stale = rows.filter((r) => !want.has(keyOf(table, r)) && r._cio_deleted_at == null);
      expect(stale.length, `${table}: rows gone from the API but not marked deleted`).toBe(0);
    }
  }
}

/** A timestamp as read back from DuckDB or PostgreSQL, in epoch milliseconds. */
function loadedMs(value: unknown): number {
  if (value instanceof Date) return value.getTime();
  return Date.parse(
    String(value)
      .replace(' ', 'T')
      .replace(/([+-]\d{2})$/, '$1:00'),
  );
}

/**
 * Asserts a destination right after a sync that resumed interrupted full-table reads. Such a read does
 * not read again the pages the interrupted attempt committed, so those rows (written before
 * `resumedAt`) must equal what the API held then (`before`); every other row must equal the API now,
 * and every record the API has now must be loaded. A later complete read brings the rest up to date.
 */
export function expectResumedLoadMatches(
  loaded: Record<string, DbRow[]>,
  now: TruthLike,
  before: TruthLike,
  resumedAt: Date,
): void {
  const expectedNow = expectedTables(now);
  const expectedBefore = expectedTables(before);
  for (const [table, rows] of Object.entries(loaded)) {
    if (INCREMENTAL_TABLES.has(table)) {
      expectLoadedMatchesTruth({ [table]: rows }, now);
      continue;
    }
    const isOld = (r: DbRow) => r._cio_deleted_at == null && loadedMs(r._cio_synced_at) < resumedAt.getTime();
    const old = rows.filter(isOld);
    const oldKeys = new Set(old.map((r) => keyOf(table, r)));
    const then = expectedBefore[table] ?? new Map<string, Rec>();
    const missing = [...oldKeys].filter((k) => !then.has(k));
    expect(missing, `${table}: rows written before the resumed sync that the API never had`).toEqual([]);
    expectTableMatches(table, old, new Map([...oldKeys].map((k) => [k, then.get(k) as Rec])));
    const fresh = rows.filter((r) => !isOld(r));
    const want = new Map([...(expectedNow[table] ?? [])].filter(([k]) => !oldKeys.has(k)));
    expectTableMatches(table, fresh, want);
    const stale = fresh.filter((r) => !want.has(keyOf(table, r)) && r._cio_deleted_at == null);
    expect(stale.length, `${table}: rows gone from the API but not marked deleted`).toBe(0);
  }
}
