/**
 * The small resources (campaigns, segments, settings...) live in memory as plain arrays in the
 * order the API lists them. Each table is described by a spec: how to make record k, how an edit
 * changes a record, and whether advances may add or delete records.
 */
import type { WorldContext } from './context.js';
import type { Rng } from './prng.js';
import type { JsonObject } from './types.js';

export const CATALOG_NAMES = [
  'broadcasts',
  'transactional',
  'campaigns',
  'newsletters',
  'segments',
  'exports',
  'sender_identities',
  'reporting_webhooks',
  'snippets',
  'collections',
  'topics',
  'workspaces',
  'object_types',
] as const;
export type CatalogName = (typeof CATALOG_NAMES)[number];

export interface CatalogSpec {
  name: CatalogName;
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
