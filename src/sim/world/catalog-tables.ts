/**
 * CATALOG: every small resource of the world, keyed by name, in the order the world makes and
 * changes them. The routes (http/routes.ts), the ground truth and the time advance derive from it:
 * a new list endpoint is one entry in CAMPAIGN_LISTS or WORKSPACE_LISTS.
 */
import { CAMPAIGN_LISTS } from './campaigns.js';
import type { CatalogSpec } from './catalog.js';
import type { JsonObject } from './types.js';
import { WORKSPACE_LISTS } from './workspace.js';

const LISTS = { ...CAMPAIGN_LISTS, ...WORKSPACE_LISTS } satisfies Record<string, CatalogSpec>;

export type CatalogName = keyof typeof LISTS;

export const CATALOG: Readonly<Record<CatalogName, CatalogSpec>> = LISTS;

export const CATALOG_NAMES = Object.keys(CATALOG) as CatalogName[];

/** The records each small resource's list serves (the ground truth's part of the catalog). */
export type CatalogTruth = Record<CatalogName, JsonObject[]>;
