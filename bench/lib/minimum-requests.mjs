// The fewest requests a full sync can make, per table, from the world's true record counts.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { CATALOG } from '../../dist/sim/world/catalog-tables.js';
import { DEFAULT_STREAM_NAMES, getDefinition } from '../../dist/streams/definitions.js';
import { ATTRIBUTES_BATCH_SIZE } from '../../dist/streams/readers/customers.js';
import { ROOT } from './paths.mjs';

/**
 * Record counts of the world at `scale` (computed in a child process); `onlyWholeLists`: only the
 * lists a table reads whole, which is all a large world's memory allows (see world-sizes.mjs).
 */
export function worldSizes(scale, seed = 1, { onlyWholeLists = false } = {}) {
  const script = join(ROOT, 'bench', 'world-sizes.mjs');
  const args = [script, String(scale), String(seed), ...(onlyWholeLists ? ['--only-whole-lists'] : [])];
  return JSON.parse(execFileSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 26 }));
}

const pages = (rows, size) => Math.max(1, Math.ceil(rows / size));

/** The simulator's catalog entry serving a path, with its name (its truth key), if any. */
const CATALOG_BY_PATH = new Map(Object.entries(CATALOG).map(([name, spec]) => [spec.path, { name, spec }]));

/**
 * The world's record count behind a definition's endpoint: the catalog entry serving its path, or
 * else the truth list named like the path's last segment (`/v1/messages` -> `messages`).
 */
function rowsOf(def, sizes) {
  const key = CATALOG_BY_PATH.get(def.request.path)?.name ?? def.request.path.split('/').at(-1);
  const rows = sizes[key];
  if (typeof rows !== 'number') throw new Error(`no world size for ${def.name} (${def.request.path})`);
  return rows;
}

/**
 * One list of `rows` records, paged as `paging` says. `formula` is ceil(rows / page size);
 * `protocol` adds what the API's paging makes unavoidable: offset paging has no total, so a full
 * last page needs one more (empty) request, and a list that ends with a trailing empty page
 * (simulator `trailingEmptyPage`: the sender identities endpoint) costs that page too.
 */
function listMinimums(rows, paging, trailingEmptyPage = false) {
  if (paging.kind === 'none') return { formula: 1, protocol: 1 };
  const formula = pages(rows, paging.pageSize);
  if (paging.kind === 'offset') return { formula, protocol: Math.floor(rows / paging.pageSize) + 1 };
  return { formula, protocol: formula + (trailingEmptyPage ? 1 : 0) };
}

const add = (a, b) => ({ formula: a.formula + b.formula, protocol: a.protocol + b.protocol });

/** Per reader strategy (the definition's `reader`): the minimums of one table. */
const BY_READER = {
  list: (def, sizes) =>
    listMinimums(
      rowsOf(def, sizes),
      def.paging,
      CATALOG_BY_PATH.get(def.request.path)?.spec.paging?.trailingEmptyPage,
    ),
  // The same list read once per pass: the records the live API lists under each query (sender
  // identities: the visible ones, then only the hidden ones with hidden=true).
  passes: (def, sizes) => {
    const key = CATALOG_BY_PATH.get(def.request.path)?.name ?? def.name;
    const hidden = sizes[`${key}:hidden`] ?? 0;
    const trailing = CATALOG_BY_PATH.get(def.request.path)?.spec.paging?.trailingEmptyPage;
    return add(
      listMinimums(rowsOf(def, sizes) - hidden, def.paging, trailing),
      listMinimums(hidden, def.paging, trailing),
    );
  },
  // The ids list, then one attributes call per ATTRIBUTES_BATCH_SIZE people.
  customers: (def, sizes) => {
    const people = rowsOf(def, sizes);
    const batches = pages(people, ATTRIBUTES_BATCH_SIZE);
    return add(listMinimums(people, def.paging), { formula: batches, protocol: batches });
  },
  // One list per suppression type (the simulator's truth keeps them under `suppressions`).
  suppressions: (def, sizes) =>
    Object.values(sizes.suppressions)
      .map((rows) => listMinimums(rows, def.paging))
      .reduce(add, { formula: 0, protocol: 0 }),
  // One read per parent row (a parent without children still costs its request), paged per parent.
  'parent-child': (def, sizes) => {
    const parents = rowsOf(getDefinition(def.parent.table), sizes);
    // Objects: one search per object type (one page at these sizes), then one request per object.
    if (def.parent.readChildren)
      return { formula: parents + sizes.objects, protocol: parents + sizes.objects };
    const counts = Object.values(sizes.children_per_parent?.[def.name] ?? {});
    const extra =
      def.paging.kind === 'none' ? 0 : counts.reduce((sum, n) => sum + pages(n, def.paging.pageSize) - 1, 0);
    return { formula: parents + extra, protocol: parents + extra };
  },
  // Metrics: the parent list read again (the keys other tables pass lack `created`), then one
  // request per parent: a version-1 answer holds the 45 days, and a version-2 window up to ten
  // years (every parent of these worlds is younger, so one window even when it backfills).
  // Per action (or content): each parent's action list (paged like its structure table), then one
  // request per action.
  metrics: (def, sizes) => {
    const parent = getDefinition(def.parent.table);
    const parents = rowsOf(parent, sizes);
    const trailing = CATALOG_BY_PATH.get(parent.request.path)?.spec.paging?.trailingEmptyPage;
    const list = listMinimums(parents, parent.paging, trailing);
    const perChild = def.metrics.perChild;
    // Link metrics: every click, then each person's first (`unique=true`): two per parent.
    const perParent = def.metrics.links ? 2 * parents : parents;
    if (perChild === undefined) return add(list, { formula: perParent, protocol: perParent });
    const child = getDefinition(perChild.table);
    const counts = Object.values(sizes.children_per_parent?.[child.name] ?? {});
    // Every parent's action list costs a request (an empty one too), more where it pages.
    const extra =
      child.paging.kind === 'none'
        ? 0
        : counts.reduce((sum, n) => sum + Math.max(1, pages(n, child.paging.pageSize)) - 1, 0);
    const listPages = parents + extra;
    const actions = counts.reduce((sum, n) => sum + n, 0);
    return add(list, { formula: listPages + actions, protocol: listPages + actions });
  },
};

/**
 * Per table, two minimums (see `listMinimums`), and their sums, for the tables a sync reads: by
 * default those a sync without `streams` reads (the opt-in ones left out).
 */
export function minimumRequests(sizes, names = DEFAULT_STREAM_NAMES) {
  const tables = {};
  for (const def of names.map((name) => getDefinition(name))) {
    const minimums = BY_READER[def.reader];
    if (minimums === undefined)
      throw new Error(`no request model for the ${def.reader} reader (${def.name})`);
    tables[def.name] = minimums(def, sizes);
  }
  const sum = (key) => Object.values(tables).reduce((total, t) => total + t[key], 0);
  return { tables, formula: sum('formula'), protocol: sum('protocol') };
}
