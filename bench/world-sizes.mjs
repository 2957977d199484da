// Prints the record counts of the simulated world as JSON:
//   node bench/world-sizes.mjs <scale> [seed] [--only-whole-lists]
// Run as its own process by the benchmarks, so the world's memory never counts against anyone.
// `--only-whole-lists` counts only the lists a table reads whole (no per-parent, object or metrics
// tables), record by record without keeping them: at scale 400 the full ground truth does not fit
// in 8 GB of heap.

import { DEFAULT_NOW, SUPPRESSION_TYPES } from '../dist/sim/index.js';
import { CATALOG_NAMES } from '../dist/sim/world/catalog-tables.js';
import { World } from '../dist/sim/world/data.js';
import { STREAM_DEFINITIONS } from '../dist/streams/definitions.js';

const [scaleArg, seedArg] = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
const scale = Number(scaleArg ?? 1);
const seed = Number(seedArg ?? 1);
const onlyWholeLists = process.argv.includes('--only-whole-lists');
const world = new World(seed, scale, DEFAULT_NOW);

/** How many of raw indexes [lo, hi) hold a live record. */
function live(get, lo, hi) {
  let count = 0;
  for (let i = lo; i < hi; i++) if (get(i)) count++;
  return count;
}

function wholeListSizes() {
  const sizes = {};
  for (const name of CATALOG_NAMES) {
    const records = world.list(name);
    sizes[name] = records.length;
    const hidden = records.filter((record) => record?.hidden === true).length;
    if (hidden > 0) sizes[`${name}:hidden`] = hidden;
  }
  const m = world.messages.range(undefined, undefined);
  sizes.messages = live((i) => world.messages.get(i), m.lo, m.hiExclusive);
  const a = world.activities.range();
  sizes.activities = live((i) => world.activities.get(i), a.lo, a.hiExclusive);
  sizes.customers = live((i) => world.customers.get(i), 0, world.customers.table.rawCount());
  sizes.ip_addresses = world.ipAddresses().length;
  sizes.suppressions = {};
  for (const type of SUPPRESSION_TYPES) {
    const table = world.suppressions[type];
    sizes.suppressions[type] = live((i) => table.get(i), 0, table.table.rawCount());
  }
  return sizes;
}

function allSizes() {
  // Segment membership is counted below, page by page: materialised it holds tens of millions of
  // rows at scale 400.
  const truth = world.truth({ segmentMembers: false });
  const sizes = {};
  for (const [key, value] of Object.entries(truth)) {
    sizes[key] = Array.isArray(value)
      ? value.length
      : Object.fromEntries(Object.entries(value).map(([type, list]) => [type, list.length]));
  }
  // Lists read in passes (sender identities: the visible ones, then hidden=true) need the split.
  for (const [key, value] of Object.entries(truth)) {
    if (Array.isArray(value) && value.some((record) => record?.hidden === true)) {
      sizes[`${key}:hidden`] = value.filter((record) => record?.hidden === true).length;
    }
  }
  // Tables read per parent page per parent: their request count needs each parent's child count.
  sizes.children_per_parent = {};
  for (const def of STREAM_DEFINITIONS) {
    if (def.parent === undefined || !Array.isArray(truth[def.name])) continue;
    const counts = {};
    for (const row of truth[def.name]) {
      const parent = String(row[def.parent.keyColumn]);
      counts[parent] = (counts[parent] ?? 0) + 1;
    }
    sizes.children_per_parent[def.name] = counts;
  }
  const members = {};
  let memberCount = 0;
  for (const segment of truth.segments) {
    let count = 0;
    for (let from = 0; from !== undefined; ) {
      const page = world.children.members(segment.id, from, 30_000);
      count += page.members.length;
      from = page.next;
    }
    if (count > 0) members[String(segment.id)] = count;
    memberCount += count;
  }
  sizes.children_per_parent.segment_members = members;
  sizes.segment_members = memberCount;
  return sizes;
}

process.stdout.write(`${JSON.stringify(onlyWholeLists ? wholeListSizes() : allSizes())}\n`);
