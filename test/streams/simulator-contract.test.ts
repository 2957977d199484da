import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RequestBudget } from '../../src/api/budget.js';
import { createApiClient } from '../../src/api/client.js';
import type { ApiClient } from '../../src/api/types.js';
import { startSimulator } from '../../src/sim/index.js';
import { getDefinition, STREAM_DEFINITIONS } from '../../src/streams/definitions.js';
import { readerFor } from '../../src/streams/readers/index.js';
import type { ReadContext, Row, StreamDefinition } from '../../src/streams/types.js';
import { expectedTables, keyOf, sameValue, type TruthLike } from '../helpers/truth.js';
import { asWritten } from './helpers/as-written.js';
import { collectPages } from './helpers/collect.js';
import { validationErrors } from './helpers/schema-validator.js';

type Simulator = Awaited<ReturnType<typeof startSimulator>>;

let sim: Simulator;
let client: ApiClient;
let expected: Record<string, Map<string, Record<string, unknown>>>;
const read: Record<string, Row[]> = {};
const warnings: string[] = [];

function context(extra: Partial<ReadContext> = {}): ReadContext {
  return { client, concurrency: 4, onWarning: (m) => warnings.push(m), ...extra };
}

async function readAll(def: StreamDefinition, extra: Partial<ReadContext> = {}): Promise<Row[]> {
  const pages = await collectPages(readerFor(def)(def, context(extra)));
  return asWritten(pages.flatMap((page) => page.rows));
}

beforeAll(async () => {
  sim = await startSimulator({ rps: 0 });
  client = createApiClient({
    baseUrl: sim.url,
    token: sim.token,
    budget: new RequestBudget({ ratePerSecond: 1000, concurrency: 8 }),
  });
  expected = expectedTables(sim.truth() as unknown as TruthLike);
  // All tables at once, as the engine reads them.
  await Promise.all(
    STREAM_DEFINITIONS.map(async (def) => {
      read[def.name] = await readAll(def);
    }),
  );
});

afterAll(async () => {
  await client?.close();
  await sim?.stop();
});

describe('every table read against the simulator', () => {
  it('used only routes the simulator knows', () => {
    expect(sim.unknownRoutes()).toEqual([]);
  });

  it('found every person the ids list named', () => {
    expect(warnings).toEqual([]);
  });

  describe.each(STREAM_DEFINITIONS.map((def) => [def.name, def] as const))('%s', (name, def) => {
    it('has rows that validate against the schema', () => {
      const rows = read[name] ?? [];
      const invalid = rows
        .map((row) => ({
          key: def.primaryKey.map((k) => row[k]).join('|'),
          errors: validationErrors(def.schema, row),
        }))
        .filter((r) => r.errors.length > 0);
      expect(invalid.slice(0, 5)).toEqual([]);
    });

    it('has present, unique primary keys equal to the ground truth', () => {
      const rows = read[name] ?? [];
      const keys = rows.map((row) => def.primaryKey.map((k) => row[k]));
      for (const key of keys) for (const part of key) expect(part ?? null).not.toBeNull();
      const flat = rows.map((row) => keyOf(name, row));
      expect(new Set(flat).size, 'unique').toBe(flat.length);
      const truth = expected[name] ?? new Map();
      expect(flat.length).toBe(truth.size);
      expect([...flat].sort()).toEqual([...truth.keys()].sort());
      expect(truth.size, 'the simulator world has rows for this table').toBeGreaterThan(0);
    });

    it('carries the values the API sent', () => {
      const rows = new Map((read[name] ?? []).map((row) => [keyOf(name, row), row]));
      const mismatches: string[] = [];
      for (const [key, record] of expected[name] ?? new Map()) {
        const row = rows.get(key);
        for (const [field, value] of Object.entries(record)) {
          if (!sameValue(row?.[field], value)) mismatches.push(`${key}.${field}`);
        }
      }
      expect(mismatches.slice(0, 10)).toEqual([]);
    });
  });
});

describe('start date and resume against the simulator', () => {
  const startDate = new Date('2025-12-15T00:00:00Z');

  it.each(['messages', 'activities', 'eps_suppression'])(
    '%s keeps exactly the rows at or after the start date',
    async (name) => {
      const def = getDefinition(name);
      const field = def.timeField as string;
      const rows = await readAll(def, { startDate });
      const want = [...(expected[name] ?? new Map()).entries()]
        .filter(
          ([, record]) =>
            typeof record[field] === 'number' && (record[field] as number) * 1000 >= startDate.getTime(),
        )
        .map(([key]) => key);
      expect(rows.map((row) => String(row[def.primaryKey[0] as string])).sort()).toEqual(want.sort());
    },
  );

  it('filters messages on the server: start_ts on every request, no row older than it returned', async () => {
    const before = sim.requestLog().length;
    const rows = await readAll(getDefinition('messages'), { startDate });
    const sent = sim.requestLog().slice(before);
    expect(sent.length).toBeGreaterThan(0);
    expect(sent.map((entry) => entry.query.start_ts)).toEqual(
      sent.map(() => String(startDate.getTime() / 1000)),
    );
    expect(rows.length).toBeGreaterThan(0);
  });

  it('eps_suppression resumed after its first page reads every list again, and so equals one read', async () => {
    const def = getDefinition('eps_suppression');
    let position: unknown = null;
    for await (const page of readerFor(def)(def, context())) {
      position = page.position;
      break;
    }
    expect(position).not.toBeNull();
    const keys = (await readAll(def, { resume: position })).map((row) => String(row.id));
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys.sort()).toEqual([...(expected.eps_suppression ?? new Map()).keys()].sort());
  });

  it.each(['messages', 'activities'])(
    '%s read in two parts, interrupted after the first page and resumed, equals one read',
    async (name) => {
      const def = getDefinition(name);
      let position: unknown = null;
      const first: Row[] = [];
      for await (const page of readerFor(def)(def, context())) {
        first.push(...page.rows);
        position = page.position;
        break;
      }
      expect(position).not.toBeNull();
      const rest = await readAll(def, { resume: position });
      const keys = [...first, ...rest].map((row) => String(row[def.primaryKey[0] as string]));
      expect(new Set(keys).size).toBe(keys.length);
      expect(keys.sort()).toEqual([...(expected[name] ?? new Map()).keys()].sort());
    },
  );
});
