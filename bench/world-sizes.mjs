// Prints the record counts of the simulated world as JSON: node bench/world-sizes.mjs <scale> [seed]
// Run as its own process by the benchmarks, so the world's memory never counts against anyone.

import { DEFAULT_NOW } from '../dist/sim/index.js';
import { World } from '../dist/sim/world/data.js';
import { STREAM_DEFINITIONS } from '../dist/streams/definitions.js';

const scale = Number(process.argv[2] ?? 1);
const seed = Number(process.argv[3] ?? 1);
const world = new World(seed, scale, DEFAULT_NOW);
// Segment membership is counted below, page by page: materialised it holds tens of millions of rows
// at scale 400.
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
process.stdout.write(`${JSON.stringify(sizes)}\n`);
