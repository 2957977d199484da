import type { ValidateFunction } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AirbyteStream } from '../../src/protocols/airbyte/airbyte-catalog.js';
import type { SingerCatalog } from '../../src/protocols/singer/singer-catalog.js';
import { type Simulator, startSimulator } from '../../src/sim/index.js';
import type { JsonSchema } from '../../src/streams/types.js';
import type { DbRow } from '../helpers/duckdb.js';
import { isMetricsTable } from '../helpers/tables.js';
import { expectLoadedMatchesTruth, keyOf, type TruthLike } from '../helpers/truth.js';
import { createAjv } from '../streams/helpers/schema-validator.js';
import { airbyteSchemaAjv } from './helpers/airbyte-protocol.js';
import { type ProtocolRun, runProtocol, scratch } from './helpers/protocol-cli.js';

/**
 * A validating Singer target or Airbyte destination rejects a record that breaks the schema the
 * source declared. So every record of a full run, in the default world, must validate against the
 * schema the product itself emitted for its stream: the SCHEMA message (Singer) or the discovered
 * catalog's json_schema (Airbyte), with a standard validator. The same runs, every table selected
 * (the opt-in object and metrics tables too), must also equal the ground truth.
 */

interface Violation {
  stream: string;
  field: string;
  problem: string;
  value: string;
}

let sim: Simulator;
let files: ReturnType<typeof scratch>;
let configFile: string;

/** The value at an ajv instancePath (a JSON pointer) of the record. */
function valueAt(record: unknown, pointer: string): unknown {
  let value = record;
  for (const part of pointer.split('/').slice(1)) {
    const key = part.replace(/~1/g, '/').replace(/~0/g, '~');
    value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
  }
  return value;
}

function violationsOf(stream: string, validate: ValidateFunction, record: unknown): Violation[] {
  if (validate(record)) return [];
  return (validate.errors ?? []).map((e) => ({
    stream,
    field: e.instancePath || '/',
    problem: `${e.message ?? e.keyword}${e.keyword === 'additionalProperties' ? ` ${JSON.stringify(e.params)}` : ''}`,
    value: String(JSON.stringify(valueAt(record, e.instancePath))).slice(0, 120),
  }));
}

/** The first violations, one per stream and field, as lines a failing test prints. */
function report(violations: readonly Violation[]): string[] {
  const seen = new Set<string>();
  const lines: string[] = [];
  for (const v of violations) {
    const key = `${v.stream} ${v.field.replace(/\/\d+/g, '/*')}`;
    if (seen.has(key)) continue;
    seen.add(key);
    lines.push(`${v.stream} ${v.field}: ${v.problem}; value ${v.value}`);
  }
  return lines.slice(0, 12);
}

/** The RECORDs of a run, by stream, as rows to compare with the ground truth. */
function recordsByStream(
  run: ProtocolRun,
  recordOf: (message: Record<string, unknown>) => [string, unknown],
): Record<string, DbRow[]> {
  const rows: Record<string, DbRow[]> = {};
  for (const m of run.messages) {
    if (m.type !== 'RECORD') continue;
    const [stream, record] = recordOf(m);
    const list = rows[stream] ?? [];
    list.push(record as DbRow);
    rows[stream] = list;
  }
  return rows;
}

/** The metrics tables of `first` with the rows of `later` upserted on their keys, as a target keeps them. */
function upsert(
  first: Record<string, DbRow[]>,
  later: Record<string, DbRow[]>,
  tables: readonly string[],
): Record<string, DbRow[]> {
  const merged: Record<string, DbRow[]> = {};
  for (const table of tables) {
    const byKey = new Map((first[table] ?? []).map((row) => [keyOf(table, row), row]));
    for (const row of later[table] ?? []) byKey.set(keyOf(table, row), row);
    merged[table] = [...byKey.values()];
  }
  return merged;
}

const truthOf = (s: Simulator) => s.truth() as unknown as TruthLike;

function expectSuccess(run: ProtocolRun): void {
  expect(run.code, run.stderr.slice(-2000)).toBe(0);
}

/** One full run of `command` with the catalog given, which must succeed. */
async function runWithCatalog(command: string[], catalog: unknown): Promise<ProtocolRun> {
  const catalogFile = files.file(`${command.join('-')}-catalog.json`, catalog);
  const run = await runProtocol([...command, '--config', configFile, '--catalog', catalogFile]);
  expectSuccess(run);
  return run;
}

beforeAll(async () => {
  sim = await startSimulator({ scale: 0.2, rps: 0 });
  files = scratch();
  configFile = files.file('config.json', {
    access_token: sim.token,
    base_url: sim.url,
    max_requests_per_second: 1000,
  });
});

afterAll(async () => {
  await sim?.stop();
  files?.remove();
});

describe('every record of a full run validates against the schema the product emitted', () => {
  it('Airbyte: each RECORD data against the discovered json_schema of its configured stream', async () => {
    const discovered = await runProtocol(['airbyte', 'discover', '--config', configFile]);
    expectSuccess(discovered);
    const catalog = discovered.messages.find((m) => m.type === 'CATALOG') as {
      catalog: { streams: AirbyteStream[] };
    };
    const configured = {
      streams: catalog.catalog.streams.map((stream) => ({
        stream,
        sync_mode: 'full_refresh',
        destination_sync_mode: 'overwrite',
        primary_key: stream.source_defined_primary_key,
      })),
    };
    const run = await runWithCatalog(['airbyte', 'read'], configured);

    const ajv = airbyteSchemaAjv();
    const validators = new Map(
      configured.streams.map((c) => [c.stream.name, ajv.compile(c.stream.json_schema)]),
    );
    const violations: Violation[] = [];
    let records = 0;
    for (const m of run.messages) {
      if (m.type !== 'RECORD') continue;
      const { stream, data } = m.record as { stream: string; data: unknown };
      const validate = validators.get(stream);
      if (!validate) throw new Error(`RECORD of ${stream}, a stream the catalog does not configure`);
      records += 1;
      violations.push(...violationsOf(stream, validate, data));
    }
    expect(records).toBeGreaterThan(0);
    expect(report(violations), `${violations.length} RECORD value(s) break their json_schema`).toEqual([]);
    expectLoadedMatchesTruth(
      recordsByStream(run, (m) => {
        const { stream, data } = m.record as { stream: string; data: unknown };
        return [stream, data];
      }),
      truthOf(sim),
    );
  });

  // Last: it advances the world.
  it('Singer: each RECORD against its stream SCHEMA message; a day later, the metrics upserted from a run from the state', async () => {
    const discovered = await runProtocol(['tap', '--config', configFile, '--discover']);
    expectSuccess(discovered);
    const catalog = JSON.parse(discovered.stdout) as SingerCatalog;
    for (const entry of catalog.streams) for (const item of entry.metadata) item.metadata.selected = true;
    const run = await runWithCatalog(['tap'], catalog);

    const ajv = createAjv();
    const validators = new Map<string, ValidateFunction>();
    const counts = new Map<string, number>();
    const violations: Violation[] = [];
    for (const m of run.messages) {
      const stream = m.stream as string;
      if (m.type === 'SCHEMA') validators.set(stream, ajv.compile(m.schema as JsonSchema));
      if (m.type !== 'RECORD') continue;
      const validate = validators.get(stream);
      if (!validate) throw new Error(`RECORD of ${stream} before its SCHEMA`);
      counts.set(stream, (counts.get(stream) ?? 0) + 1);
      violations.push(...violationsOf(stream, validate, m.record));
    }
    expect([...validators.keys()].sort()).toEqual(catalog.streams.map((s) => s.tap_stream_id).sort());
    expect([...counts.values()].reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    expect(report(violations), `${violations.length} RECORD value(s) break their SCHEMA`).toEqual([]);
    // And they are the workspace: every table of a first full run equals the ground truth.
    const firstRecords = recordsByStream(run, (m) => [m.stream as string, m.record]);
    expectLoadedMatchesTruth(firstRecords, truthOf(sim));

    // A day later, a run from the saved state emits what changed (the metrics tables: their trailing
    // window); a target upserting on the keys then holds the workspace again. No parent is deleted
    // here: Singer has no message for a deletion.
    const state = [...run.messages].reverse().find((m) => m.type === 'STATE')?.value;
    sim.advance({ seconds: 86_400, updateFraction: 0.1, addFraction: 0.05, deleteFraction: 0 });
    const again = await runProtocol([
      'tap',
      '--config',
      configFile,
      '--catalog',
      files.file('tap-catalog-again.json', catalog),
      '--state',
      files.file('state.json', state),
    ]);
    expectSuccess(again);
    const metrics = catalog.streams.map((s) => s.tap_stream_id).filter(isMetricsTable);
    const later = recordsByStream(again, (m) => [m.stream as string, m.record]);
    expect(metrics.filter((table) => (later[table]?.length ?? 0) > 0)).toEqual(metrics);
    expectLoadedMatchesTruth(upsert(firstRecords, later, metrics), truthOf(sim));
  });
});
