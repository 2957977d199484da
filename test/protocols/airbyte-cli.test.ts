import type { ValidateFunction } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AirbyteStream } from '../../src/protocols/airbyte/airbyte-catalog.js';
import { type Simulator, startSimulator } from '../../src/sim/index.js';
import { STREAM_NAMES } from '../../src/streams/definitions.js';
import { isMetricsTable } from '../helpers/tables.js';
import { airbyteMessageErrors, airbyteSchemaAjv } from './helpers/airbyte-protocol.js';
import { machinePathsIn } from './helpers/machine-paths.js';
import { type ProtocolRun, runProtocol, scratch } from './helpers/protocol-cli.js';

type Message = Record<string, unknown>;
interface RecordPayload {
  stream: string;
  data: Record<string, unknown>;
  emitted_at: number;
}

let sim: Simulator;
let files: ReturnType<typeof scratch>;
let configFile: string;
let catalog: AirbyteStream[];

function recordsOf(run: ProtocolRun): RecordPayload[] {
  return run.messages.filter((m) => m.type === 'RECORD').map((m) => m.record as RecordPayload);
}

function byStream(records: RecordPayload[]): Map<string, Record<string, unknown>[]> {
  const map = new Map<string, Record<string, unknown>[]>();
  for (const r of records) map.set(r.stream, [...(map.get(r.stream) ?? []), r.data]);
  return map;
}

function configuredCatalog(
  mode: 'full_refresh' | 'incremental' | 'best',
  only?: (s: AirbyteStream) => boolean,
) {
  return {
    streams: catalog.filter(only ?? (() => true)).map((stream) => {
      const incremental = mode !== 'full_refresh' && stream.supported_sync_modes.includes('incremental');
      return {
        stream,
        sync_mode: incremental ? 'incremental' : 'full_refresh',
        destination_sync_mode: incremental ? 'append_dedup' : 'overwrite',
        ...(incremental ? { cursor_field: stream.default_cursor_field } : {}),
        primary_key: stream.source_defined_primary_key,
      };
    }),
  };
}

function isIncremental(stream: AirbyteStream): boolean {
  return stream.supported_sync_modes.includes('incremental');
}

/**
 * Full-table streams also read incrementally on a time field (the README): from the newest value
 * loaded minus this lookback, in seconds (messages_rescan_days 7; activities an hour's overlap).
 */
const LOOKBACK_S: Record<string, number> = { messages: 7 * 86_400, activities: 3600 };

/** Incremental on a replication key, its bookmark `replication_key_value`. */
function hasReplicationKey(stream: AirbyteStream): boolean {
  return isIncremental(stream) && LOOKBACK_S[stream.name] === undefined;
}

/** The `state` payload of the last STATE per stream: what the platform hands to the next read. */
function lastStates(run: ProtocolRun): Message[] {
  const last = new Map<string, Message>();
  for (const m of run.messages) {
    if (m.type !== 'STATE') continue;
    const state = m.state as { stream: { stream_descriptor: { name: string } } };
    last.set(state.stream.stream_descriptor.name, state as unknown as Message);
  }
  return [...last.values()];
}

function statusSequences(run: ProtocolRun): Map<string, string[]> {
  const sequences = new Map<string, string[]>();
  for (const m of run.messages) {
    const trace = m.trace as {
      type: string;
      stream_status?: { stream_descriptor: { name: string }; status: string };
    };
    if (m.type !== 'TRACE' || trace.type !== 'STREAM_STATUS' || !trace.stream_status) continue;
    const name = trace.stream_status.stream_descriptor.name;
    sequences.set(name, [...(sequences.get(name) ?? []), trace.stream_status.status]);
  }
  return sequences;
}

async function read(catalogJson: unknown, state?: unknown, exitCode = 0): Promise<ProtocolRun> {
  const args = [
    'airbyte',
    'read',
    '--config',
    configFile,
    '--catalog',
    files.file(`catalog-${Math.random()}.json`, catalogJson),
  ];
  if (state !== undefined) args.push('--state', files.file(`state-${Math.random()}.json`, state));
  const run = await runProtocol(args);
  expect(run.code, run.stderr).toBe(exitCode);
  return run;
}

beforeAll(async () => {
  sim = await startSimulator({ seed: 7, scale: 0.4, rps: 0 });
  files = scratch();
  configFile = files.file('config.json', {
    access_token: sim.token,
    base_url: sim.url,
    max_requests_per_second: 1000,
  });
  const discovered = await runProtocol(['airbyte', 'discover', '--config', configFile]);
  expect(discovered.code, discovered.stderr).toBe(0);
  catalog = ((discovered.messages.at(-1) as Message).catalog as { streams: AirbyteStream[] }).streams;
});

afterAll(async () => {
  await sim?.stop();
  files?.remove();
});

describe('cio-sync airbyte (against the simulator, as a child process)', () => {
  it('spec prints one valid SPEC message', async () => {
    const run = await runProtocol(['airbyte', 'spec']);
    expect(run.code).toBe(0);
    expect(run.messages).toHaveLength(1);
    expect(run.messages[0]?.type).toBe('SPEC');
    expect(airbyteMessageErrors(run.messages[0])).toEqual([]);
  });

  it('check says SUCCEEDED for a good key and FAILED for a bad one, exiting 0 both times', async () => {
    const good = await runProtocol(['airbyte', 'check', '--config', configFile]);
    expect(good.code).toBe(0);
    expect(good.messages.at(-1)).toMatchObject({
      type: 'CONNECTION_STATUS',
      connectionStatus: { status: 'SUCCEEDED' },
    });
    const badFile = files.file('bad.json', { access_token: 'wrong-key-123', base_url: sim.url });
    const bad = await runProtocol(['airbyte', 'check', '--config', badFile]);
    expect(bad.code).toBe(0);
    const status = bad.messages.at(-1) as { connectionStatus: { status: string; message: string } };
    expect(status.connectionStatus.status).toBe('FAILED');
    expect(status.connectionStatus.message).toMatch(/401/);
    expect(bad.stdout + bad.stderr).not.toContain('wrong-key-123');
    for (const m of [...good.messages, ...bad.messages]) expect(airbyteMessageErrors(m)).toEqual([]);
  });

  it('discover prints a valid CATALOG of every table, in order', () => {
    expect(catalog.map((stream) => stream.name)).toEqual([...STREAM_NAMES]);
    expect(airbyteMessageErrors({ type: 'CATALOG', catalog: { streams: catalog } })).toEqual([]);
  });

  // Every stream but the metrics ones, whose tens of thousands of daily rows are read through both
  // protocols once, in records-match-schemas.test.ts.
  describe('basic read, full refresh twice', () => {
    let first: ProtocolRun;
    let second: ProtocolRun;
    const notMetrics = (s: AirbyteStream) => !isMetricsTable(s.name);
    const streamsRead = () => catalog.filter(notMetrics);

    beforeAll(async () => {
      first = await read(configuredCatalog('full_refresh', notMetrics));
      second = await read(configuredCatalog('full_refresh', notMetrics));
    });

    it('emits only valid AirbyteMessages, STATE per stream with a record count, never LEGACY', () => {
      for (const m of first.messages)
        expect(airbyteMessageErrors(m), JSON.stringify(m).slice(0, 300)).toEqual([]);
      const states = first.messages.filter((m) => m.type === 'STATE').map((m) => m.state as Message);
      expect(states.length).toBeGreaterThanOrEqual(streamsRead().length);
      for (const state of states) {
        expect(state.type).toBe('STREAM');
        expect(typeof (state.sourceStats as { recordCount: unknown }).recordCount).toBe('number');
      }
      const counted = states.reduce(
        (sum, s) => sum + (s.sourceStats as { recordCount: number }).recordCount,
        0,
      );
      expect(counted).toBe(recordsOf(first).length);
    });

    it('yields records for every stream that validate against the catalog, with unique non-null keys', () => {
      const ajv = airbyteSchemaAjv();
      const grouped = byStream(recordsOf(first));
      for (const stream of streamsRead()) {
        const rows = grouped.get(stream.name) ?? [];
        expect(rows.length, stream.name).toBeGreaterThan(0);
        const validate: ValidateFunction = ajv.compile(stream.json_schema);
        for (const row of rows)
          expect(validate(row), `${stream.name}: ${ajv.errorsText(validate.errors)}`).toBe(true);
        const keys = rows.map((row) =>
          JSON.stringify(stream.source_defined_primary_key.map(([f]) => row[f as string])),
        );
        for (const row of rows)
          for (const [f] of stream.source_defined_primary_key) expect(row[f as string]).not.toBeNull();
        expect(new Set(keys).size, stream.name).toBe(rows.length);
      }
      for (const record of recordsOf(first)) expect(Number.isInteger(record.emitted_at)).toBe(true);
    });

    it('gives each stream STARTED, RUNNING..., COMPLETE, and its records between', () => {
      const sequences = statusSequences(first);
      expect([...sequences.keys()].sort()).toEqual(
        streamsRead()
          .map((s) => s.name)
          .sort(),
      );
      for (const [name, statuses] of sequences) {
        expect(statuses[0], name).toBe('STARTED');
        expect(statuses.at(-1), name).toBe('COMPLETE');
        expect(statuses.length).toBeGreaterThanOrEqual(3);
        expect(
          statuses.slice(1, -1).every((s) => s === 'RUNNING'),
          name,
        ).toBe(true);
      }
      const position = (name: string, status: string) =>
        first.messages.findIndex(
          (m) => m.type === 'TRACE' && JSON.stringify(m).includes(`"name":"${name}"},"status":"${status}"`),
        );
      for (const stream of streamsRead()) {
        const records = first.messages.flatMap((m, i) =>
          m.type === 'RECORD' && (m.record as RecordPayload).stream === stream.name ? [i] : [],
        );
        expect(records[0]).toBeGreaterThan(position(stream.name, 'RUNNING'));
        expect(records.at(-1)).toBeLessThan(position(stream.name, 'COMPLETE'));
      }
    });

    it('reads the same records twice', () => {
      const canonical = (run: ProtocolRun) =>
        [...byStream(recordsOf(run))]
          .map(([name, rows]) => [name, rows.map((r) => JSON.stringify(r)).sort()])
          .sort();
      expect(canonical(second)).toEqual(canonical(first));
    });
  });

  it('an incremental read with the last state yields only records at or after it', async () => {
    const incremental = configuredCatalog('incremental', isIncremental);
    const first = await read(incremental);
    const states = lastStates(first);
    sim.advance({ seconds: 3600 });
    const second = await read(incremental, states);
    const cursorOf = new Map(catalog.map((s) => [s.name, s.default_cursor_field?.[0]]));
    const bookmark = new Map(
      states.map((s) => {
        const stream = (
          s as {
            stream: {
              stream_descriptor: { name: string };
              stream_state: { replication_key_value?: string; newest_time?: string };
            };
          }
        ).stream;
        const { name } = stream.stream_descriptor;
        const state = stream.stream_state;
        const lookback = LOOKBACK_S[name];
        const from =
          lookback === undefined
            ? Date.parse(state.replication_key_value ?? '')
            : Date.parse(state.newest_time ?? '') - lookback * 1000;
        return [name, from];
      }),
    );
    const records = recordsOf(second);
    expect(records.length).toBeGreaterThan(0);
    expect(records.length).toBeLessThan(recordsOf(first).length);
    for (const record of records) {
      const value = record.data[cursorOf.get(record.stream) as string] as string;
      const from = bookmark.get(record.stream);
      expect(from, record.stream).not.toBeNaN();
      expect(Date.parse(value), record.stream).toBeGreaterThanOrEqual(from as number);
    }
    // The time-field streams did read again, only their recent records.
    for (const name of Object.keys(LOOKBACK_S)) {
      const again = records.filter((r) => r.stream === name).length;
      expect(again, name).toBeGreaterThan(0);
      expect(again, name).toBeLessThan(recordsOf(first).filter((r) => r.stream === name).length);
    }
  });

  it('a state far in the future (no sane time) is dropped with a warning: the streams are read again', async () => {
    const incremental = configuredCatalog('incremental', hasReplicationKey);
    const future = catalog.filter(hasReplicationKey).map((s) => ({
      type: 'STREAM',
      stream: {
        stream_descriptor: { name: s.name },
        stream_state: {
          replication_key: s.default_cursor_field?.[0],
          replication_key_value: '2199-01-01T00:00:00Z',
        },
      },
    }));
    const run = await read(incremental, future);
    // A bookmark in 2199 would skip every change forever; such a state only comes from a bug.
    expect(recordsOf(run).length).toBeGreaterThan(0);
    const warnings = run.messages
      .filter((m) => m.type === 'LOG')
      .map((m) => String((m.log as Message).message));
    expect(warnings.some((text) => /saved bookmark .* lies in the future/.test(text))).toBe(true);
    expect([...statusSequences(run).values()].every((s) => s.at(-1) === 'COMPLETE')).toBe(true);
  });

  it('a stream the key lacks the scope for ends INCOMPLETE with a TRACE ERROR, the others COMPLETE, exit 3', async () => {
    sim.injectFault({ kind: 'status', status: 403, path: '/v1/segments' });
    try {
      const two = configuredCatalog('full_refresh', (s) => s.name === 'segments' || s.name === 'topics');
      const run = await read(two, undefined, 3);
      const sequences = statusSequences(run);
      expect(sequences.get('segments')?.at(-1)).toBe('INCOMPLETE');
      expect(sequences.get('topics')?.at(-1)).toBe('COMPLETE');
      const errors = run.messages
        .filter((m) => m.type === 'TRACE' && (m.trace as Message).type === 'ERROR')
        .map((m) => (m.trace as { error: Message }).error);
      expect(errors).toEqual([
        expect.objectContaining({
          failure_type: 'config_error',
          stream_descriptor: { name: 'segments' },
          message: expect.stringContaining('Stream segments did not sync'),
        }),
      ]);
      expect(recordsOf(run).some((r) => r.stream === 'topics')).toBe(true);
    } finally {
      sim.clearFaults();
    }
  });

  it('a refused key ends a read with a TRACE ERROR (config_error) and a non-zero exit', async () => {
    const badFile = files.file('bad-read.json', { access_token: 'wrong-key-456', base_url: sim.url });
    const catalogFile = files.file(
      'one.json',
      configuredCatalog('full_refresh', (s) => s.name === 'segments'),
    );
    const run = await runProtocol(['airbyte', 'read', '--config', badFile, '--catalog', catalogFile]);
    expect(run.code).not.toBe(0);
    const error = run.messages.find((m) => m.type === 'TRACE' && (m.trace as Message).type === 'ERROR');
    expect(error).toMatchObject({ trace: { error: { failure_type: 'config_error' } } });
    expect(run.messages.filter((m) => m.type === 'RECORD')).toEqual([]);
    expect(run.stdout + run.stderr).not.toContain('wrong-key-456');
    for (const m of run.messages) expect(airbyteMessageErrors(m)).toEqual([]);
  });

  it('refuses a catalog asking incremental of a full-table stream, with a TRACE ERROR', async () => {
    const customers = catalog.find((s) => s.name === 'customers')!;
    const wrong = {
      streams: [
        {
          stream: customers,
          sync_mode: 'incremental',
          destination_sync_mode: 'append',
          cursor_field: ['cio_id'],
        },
      ],
    };
    const run = await runProtocol([
      'airbyte',
      'read',
      '--config',
      configFile,
      '--catalog',
      files.file('wrong.json', wrong),
    ]);
    expect(run.code).toBe(2);
    expect(run.messages.at(-1)).toMatchObject({
      trace: { type: 'ERROR', error: { failure_type: 'config_error' } },
    });
  });

  it('takes -c for --config on every command, and drops settings it does not know with one WARN', async () => {
    const platform = files.file('platform.json', {
      access_token: sim.token,
      base_url: sim.url,
      max_requests_per_second: 1000,
      platform_secret_value: 'do-not-print-this',
      flattening_enabled: true,
    });
    const one = files.file(
      'topics.json',
      configuredCatalog('full_refresh', (s) => s.name === 'topics'),
    );
    const runs = {
      spec: await runProtocol(['airbyte', 'spec', '-c', platform]),
      check: await runProtocol(['airbyte', 'check', '-c', platform]),
      discover: await runProtocol(['airbyte', 'discover', '-c', platform]),
      read: await runProtocol(['airbyte', 'read', '-c', platform, '--catalog', one]),
    };
    for (const [command, run] of Object.entries(runs)) {
      expect(run.code, `${command}: ${run.stderr}`).toBe(0);
      for (const m of run.messages) expect(airbyteMessageErrors(m)).toEqual([]);
      expect(run.stdout + run.stderr).not.toContain('do-not-print-this');
      if (command === 'spec') continue;
      const warnings = run.messages.filter(
        (m) => m.type === 'LOG' && /Ignored settings/.test(JSON.stringify(m)),
      );
      expect(warnings, command).toEqual([
        {
          type: 'LOG',
          log: {
            level: 'WARN',
            message: 'Ignored settings this source does not know: platform_secret_value, flattening_enabled.',
          },
        },
      ]);
    }
    expect(runs.check.messages.at(-1)).toMatchObject({ connectionStatus: { status: 'SUCCEEDED' } });
    expect(runs.read.messages.some((m) => m.type === 'RECORD')).toBe(true);
  });

  it('still refuses a known setting with a bad value (exit 2), and its TRACE names no path of this machine', async () => {
    const badRegion = files.file('mars.json', { access_token: sim.token, region: 'mars', extra_key: 1 });
    const discover = await runProtocol(['airbyte', 'discover', '-c', badRegion]);
    expect(discover.code).toBe(2);
    expect(discover.messages.at(-1)).toMatchObject({
      trace: {
        type: 'ERROR',
        error: { failure_type: 'config_error', message: expect.stringMatching(/region "mars"/) },
      },
    });
    const missing = files.file('here.json', {}).replace(/here\.json$/, 'missing.json');
    const read = await runProtocol(['airbyte', 'read', '-c', missing, '--catalog', missing]);
    expect(read.code).toBe(2);
    const error = (read.messages.at(-1) as { trace: { error: Record<string, string> } }).trace.error;
    expect(error.message).toMatch(/config file missing\.json: it does not exist/);
    expect(error.stack_trace).toMatch(/dist\/bin\/[\w-]+\.js:\d+:\d+/);
    expect(machinePathsIn(read.stdout)).toEqual([]);
  });
});
