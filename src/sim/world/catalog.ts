/**
 * The small resources (campaigns, segments, settings...) live in memory as plain arrays in the
 * order the API lists them. Each table is described by a spec: the endpoint that lists it, how to
 * make record k, how an edit changes a record, and whether advances may add or delete records.
 */
import type { WorldContext } from './context.js';
import type { Rng } from './prng.js';
import type { JsonObject } from './types.js';

/** Cursor paging of a list held in id order (the cursor is the id the next page starts at). */
export interface KeysetPaging {
  defaultLimit: number;
  maxLimit: number;
  /** The list ends with one empty page whose `next` is "" (a page with records always has a cursor). */
  trailingEmptyPage: boolean;
}

/**
 * One small resource: the endpoint that lists it (docs/customerio-app-api.md) and how its
 * records are made and changed. Its name is its key in CATALOG (catalog-tables.ts).
 */
export interface CatalogSpec {
  /** `GET <path>` lists every record. */
  path: string;
  /** The key of the records array in the list's answer. Default: the resource's name. */
  recordsKey?: string;
  /** Absent: one answer holds every record, whatever the query. */
  paging?: KeysetPaging;
  /** `GET <path>/:id` answers one record under `key`, or 404 "The <noun> does not exist". */
  item?: { key: string; noun: string };
  /** Records the list leaves out unless asked with `hidden=true`. */
  hidden?(record: JsonObject): boolean;
  /** Records at scale 1. */
  baseCount: number;
  /** Settings-like tables keep their size whatever the scale. */
  fixedSize?: boolean;
  /** Record number k (0-based, never reused), created and last updated at the given times. */
  make(ctx: WorldContext, k: number, created: number, updated: number, rng: Rng): JsonObject;
  /** An edit made at `now`; absent for tables whose records never change. */
  touch?(record: JsonObject, now: number, rng: Rng): void;
  /** Whether advances add and delete records. */
  grows: boolean;
}

/** Replaces a trailing " (rev N)" so repeated edits do not grow the name. */
export function revised(name: unknown, now: number): string {
  const base = typeof name === 'string' ? name.replace(/ \(rev \d+\)$/, '') : 'untitled';
  return `${base} (rev ${now % 10_000})`;
}

export function dedup(id: unknown, at: number): string {
  return `${String(id)}:${at}`;
}
