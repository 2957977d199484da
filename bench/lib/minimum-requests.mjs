// The fewest requests a full sync can make, per table, from the world's true record counts.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { STREAM_DEFINITIONS } from '../../dist/streams/definitions.js';
import { ROOT } from './paths.mjs';

/** The simulator's truth key of each table whose size sets its requests. */
const TRUTH_KEY = {
  transactional_messages: 'transactional',
  types: 'object_types',
};

/** Record counts of the world at `scale` (computed in a child process). */
export function worldSizes(scale, seed = 1) {
  const script = join(ROOT, 'bench', 'world-sizes.mjs');
  return JSON.parse(
    execFileSync(process.execPath, [script, String(scale), String(seed)], { encoding: 'utf8' }),
  );
}

const pages = (rows, size) => Math.max(1, Math.ceil(rows / size));

/**
 * Per table, two minimums:
 * - `formula`: the definition, ceil(rows / max page size); customers: id pages + ceil(people / 100).
 * - `protocol`: what the API's paging makes unavoidable on top: offset paging (suppressions) has no
 *   total, so a full last page needs one more (empty) request; the sender identities endpoint puts a
 *   cursor on its last page (simulator `trailingEmptyPage`), so one empty page follows.
 */
export function minimumRequests(sizes) {
  const tables = {};
  for (const def of STREAM_DEFINITIONS) {
    const name = def.name;
    let formula;
    let protocol;
    if (def.paging.kind === 'none') {
      formula = protocol = 1;
    } else if (name === 'customers') {
      const people = sizes.customers;
      formula = protocol = pages(people, def.paging.pageSize) + pages(people, 100);
    } else if (name === 'eps_suppression') {
      const counts = Object.values(sizes.suppressions);
      formula = counts.reduce((sum, n) => sum + pages(n, def.paging.pageSize), 0);
      protocol = counts.reduce((sum, n) => sum + Math.floor(n / def.paging.pageSize) + 1, 0);
    } else {
      const rows = sizes[TRUTH_KEY[name] ?? name];
      if (typeof rows !== 'number') throw new Error(`no world size for ${name}`);
      formula = pages(rows, def.paging.pageSize);
      protocol = formula + (name === 'sender_identities' ? 1 : 0);
    }
    tables[name] = { formula, protocol };
  }
  const sum = (key) => Object.values(tables).reduce((total, t) => total + t[key], 0);
  return { tables, formula: sum('formula'), protocol: sum('protocol') };
}
