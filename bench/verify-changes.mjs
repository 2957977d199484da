// Compares a DuckDB file with the simulated world's ground truth after the same advances, for the
// tables a read of changes must leave exact: every live person, every activity; and newsletters,
// whose edits outside the rescan window wait for the next complete read. Run as its own
// process so the world's memory never counts against the connector:
//   node bench/verify-changes.mjs <scale> <seed> '<advance options JSON, or []>' <file.duckdb>
// Prints JSON: per table, the live records expected, those loaded equal, and the differences.
import { DuckDBInstance } from '@duckdb/node-api';
import { DEFAULT_NOW } from '../dist/sim/index.js';
import { World } from '../dist/sim/world/data.js';
import { advanceWorld } from '../dist/sim/world/mutate.js';

const [scale, seed, advances, file] = [
  Number(process.argv[2]),
  Number(process.argv[3]),
  JSON.parse(process.argv[4]),
  process.argv[5],
];
const world = new World(seed, scale, DEFAULT_NOW);
for (const advance of [advances].flat()) advanceWorld(world, advance);

const canonical = (value) => {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, canonical(value[k])]),
    );
  }
  return value;
};
/** A loaded value equals the API's: unix seconds equal a timestamp column, JSON equals JSON. */
function same(loaded, api) {
  if (api === null || api === undefined) return loaded === null || loaded === undefined;
  if (typeof api === 'number' && Number.isInteger(api) && typeof loaded === 'string') {
    return Date.parse(loaded.replace(' ', 'T').replace(/([+-]\d{2})$/, '$1:00')) === api * 1000;
  }
  if (typeof api === 'object') return JSON.stringify(canonical(loaded)) === JSON.stringify(canonical(api));
  return loaded === api;
}

const instance = await DuckDBInstance.create(file, { access_mode: 'READ_ONLY' });
const connection = await instance.connect();
async function loadedRows(table, key, keys) {
  const list = keys.map((k) => `'${String(k).replaceAll("'", "''")}'`).join(',');
  const result = await connection.runAndReadAll(
    `SELECT to_json(t)::VARCHAR AS j FROM "${table}" t WHERE "${key}" IN (${list})`,
  );
  return new Map(
    result.getRowObjectsJS().map((r) => {
      const row = JSON.parse(String(r.j));
      return [String(row[key]), row];
    }),
  );
}

/** Walks the truth in chunks, comparing each record's fields with its loaded row. */
async function compare(table, key, records) {
  const out = { expected: 0, equal: 0, missing: 0, differing: 0, deletedMarked: 0, examples: [] };
  for (let start = 0; start < records.length; start += 5000) {
    const chunk = records.slice(start, start + 5000);
    const loaded = await loadedRows(
      table,
      key,
      chunk.map((r) => r[key]),
    );
    for (const record of chunk) {
      out.expected++;
      const row = loaded.get(String(record[key]));
      if (!row) {
        out.missing++;
        continue;
      }
      if (row._cio_deleted_at !== null) out.deletedMarked++;
      const bad = Object.entries(record).find(([field, value]) => !same(row[field], value));
      if (bad) {
        out.differing++;
        if (out.examples.length < 3) out.examples.push(`${table}[${record[key]}].${bad[0]}`);
      } else out.equal++;
    }
  }
  return out;
}

function* people() {
  for (let i = 0; i < world.customers.table.rawCount(); i++) {
    const person = world.customers.get(i);
    if (person)
      yield { ...person, cio_id: person.identifiers.cio_id, email: person.identifiers.email ?? null };
  }
}
function* activities() {
  const { lo, hiExclusive } = world.activities.range();
  for (let i = hiExclusive - 1; i >= lo; i--) {
    const activity = world.activities.get(i);
    if (activity) yield activity;
  }
}

/** Rows the table holds live that the API no longer has (deleted since: marked by a complete read). */
async function unmarkedGone(table, key, records) {
  const live = new Set(records.map((r) => String(r[key])));
  const result = await connection.runAndReadAll(
    `SELECT "${key}" AS k FROM "${table}" WHERE _cio_deleted_at IS NULL`,
  );
  return result.getRowObjectsJS().filter((r) => !live.has(String(r.k))).length;
}

const truth = {
  customers: [...people()],
  activities: [...activities()],
  newsletters: world.list('newsletters'),
};
const result = {
  customers: {
    ...(await compare('customers', 'cio_id', truth.customers)),
    goneNotMarked: await unmarkedGone('customers', 'cio_id', truth.customers),
  },
  activities: {
    ...(await compare('activities', 'id', truth.activities)),
    goneNotMarked: await unmarkedGone('activities', 'id', truth.activities),
  },
  // Edits to newsletters created before the rescan window differ until the next complete read.
  newsletters: {
    ...(await compare('newsletters', 'id', truth.newsletters)),
    goneNotMarked: await unmarkedGone('newsletters', 'id', truth.newsletters),
  },
};
connection.closeSync();
instance.closeSync();
process.stdout.write(`${JSON.stringify(result)}\n`);
