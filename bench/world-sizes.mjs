// Prints the record counts of the simulated world as JSON: node bench/world-sizes.mjs <scale> [seed]
// Run as its own process by the benchmarks, so the world's memory never counts against anyone.

import { DEFAULT_NOW } from '../dist/sim/index.js';
import { World } from '../dist/sim/world/data.js';

const scale = Number(process.argv[2] ?? 1);
const seed = Number(process.argv[3] ?? 1);
const truth = new World(seed, scale, DEFAULT_NOW).truth();
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
process.stdout.write(`${JSON.stringify(sizes)}\n`);
