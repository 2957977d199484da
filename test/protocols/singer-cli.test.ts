import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StreamBookmark } from '../../src/core/state.js';
import type { SingerCatalog, SingerCatalogEntry } from '../../src/protocols/singer/singer-catalog.js';
import { type Simulator, startSimulator } from '../../src/sim/index.js';
import { DEFAULT_STREAM_NAMES, STREAM_NAMES, type StreamName } from '../../src/streams/definitions.js';
import type { JsonSchema } from '../../src/streams/types.js';
import { runCli } from '../helpers/cli.js';
import { createAjv } from '../streams/helpers/schema-validator.js';
import { type ProtocolRun, parseLines, runProtocol, scratch } from './helpers/protocol-cli.js';

const TAP_ENTRY = fileURLToPath(new URL('../../dist/bin/tap-main.js', import.meta.url));

interface SingerState {
  bookmarks: Record<string, StreamBookmark>;
  currently_syncing: string | null;
}

let sim: Simulator;
let files: ReturnType<typeof scratch>;
let configFile: string;
let catalog: SingerCatalog;

function records(run: ProtocolRun, stream?: string): Record<string, unknown>[] {
  return run.messages
    .filter((m) => m.type === 'RECORD' && (stream === undefined || m.stream === stream))
    .map((m) => m.record as Record<string, unknown>);
}

function lastState(run: ProtocolRun): SingerState {
  const states = run.messages.filter((m) => m.type === 'STATE');
  expect(states.length).toBeGreaterThan(0);
  return states.at(-1)?.value as SingerState;
}

/** The discovered catalog with only some streams selected, and some fields deselected. */
function selecting(streams: Record<string, string[]>): SingerCatalog {
  const copy = structuredClone(catalog);
  for (const entry of copy.streams) {
    for (const item of entry.metadata) {
      if (item.breadcrumb.length === 0) item.metadata.selected = entry.tap_stream_id in streams;
      const field = item.breadcrumb[1];
      if (field && streams[entry.tap_stream_id]?.includes(field)) item.metadata.selected = false;
    }
  }
  return copy;
}

async function tap(
  options: { config?: string; catalog?: unknown; state?: unknown; exitCode?: number } = {},
): Promise<ProtocolRun> {
  const args = ['tap', '--config', options.config ?? configFile];
  if (options.catalog) args.push('--catalog', files.file(`catalog-${Math.random()}.json`, options.catalog));
  if (options.state) args.push('--state', files.file(`state-${Math.random()}.json`, options.state));
  const run = await runProtocol(args);
  expect(run.code, run.stderr).toBe(options.exitCode ?? 0);
  return run;
}

beforeAll(async () => {
  sim = await startSimulator({ seed: 11, scale: 0.4, rps: 0 });
  files = scratch();
  configFile = files.file('config.json', {
    api_key: sim.token,
    base_url: sim.url,
    max_requests_per_second: 1000,
  });
  const discovered = await runProtocol(['tap', '--config', configFile, '--discover']);
  expect(discovered.code, discovered.stderr).toBe(0);
  catalog = JSON.parse(discovered.stdout) as SingerCatalog;
});

afterAll(async () => {
  await sim?.stop();
  files?.remove();
});

describe('cio-sync tap (against the simulator, as a child process)', () => {
  it('prints its version', async () => {
    const version = await runProtocol(['tap', '--version']);
    expect(version.stdout).toMatch(/\d+\.\d+\.\d+/);
  });

  it('--about prints JSON with the Singer SDK keys, types, defaults and secret flags', async () => {
    // Meltano runs the tap's own executable as `tap-cio-sync --about --format=json`.
    const about = await runCli(['--about', '--format=json'], { entry: TAP_ENTRY });
    expect(about.code, about.stderr).toBe(0);
    const parsed = JSON.parse(about.stdout) as Record<string, unknown> & { settings: JsonSchema };
    expect(Object.keys(parsed)).toEqual([
      'name',
      'description',
      'version',
      'sdk_version',
      'supported_python_versions',
      'supported_node_versions',
      'capabilities',
      'settings',
    ]);
    expect(parsed).toMatchObject({
      name: 'tap-cio-sync',
      supported_node_versions: expect.stringMatching(/^>=20/),
    });
    expect(parsed.capabilities).toEqual(expect.arrayContaining(['catalog', 'discover', 'state', 'about']));
    const settings = parsed.settings.properties ?? {};
    expect(parsed.settings.required).toEqual(['access_token']);
    expect(settings.access_token).toMatchObject({ type: 'string', secret: true, writeOnly: true });
    expect(settings.region).toMatchObject({ type: 'string', default: 'us', enum: ['us', 'eu'] });
    expect(settings.emit_activate_version_messages).toMatchObject({ type: 'boolean', default: false });
    for (const [name, setting] of Object.entries(settings)) {
      expect(setting.type, name).toBeDefined();
      expect(setting.description ?? setting.title, name).toBeTruthy();
    }
    expect(about.stdout).not.toMatch(/airbyte_secret|"order"|"destination"/);
  });

  it('--about --format markdown prints a readable document; another format is refused, exit 2', async () => {
    const markdown = await runProtocol(['tap', '--about', '--format', 'markdown']);
    expect(markdown.code).toBe(0);
    expect(markdown.stdout).toMatch(/^# `tap-cio-sync`\n/);
    for (const heading of ['Capabilities', 'Supported Node.js versions', 'Settings', 'Environment variables'])
      expect(markdown.stdout).toContain(`\n## ${heading}\n`);
    expect(markdown.stdout).toContain('| access_token | True | None | string (secret) |');
    expect(markdown.stdout).toContain('| region | False | "us" | string: us \\| eu |');
    expect(markdown.stdout).toContain('- `CIO_ACCESS_TOKEN`: access_token');
    for (const format of ['yaml', 'text', '']) {
      const refused = await runProtocol(['tap', '--about', '--format', format]);
      expect(refused.code, format).toBe(2);
      expect(refused.stdout, format).toBe('');
      expect(refused.stderr).toMatch(/--format.*is invalid\. Allowed choices are json, markdown/);
    }
  });

  it('runs a Meltano config: SDK settings it does not know are ignored with one warning naming them', async () => {
    const meltano = files.file('meltano.json', {
      api_key: sim.token,
      base_url: sim.url,
      max_requests_per_second: 1000,
      flattening_enabled: true,
      flattening_max_depth: 3,
      stream_maps: { topics: { secret_map_value: 'hush-hush-value' } },
      stream_map_config: { hash_seed: 'hush-hush-seed' },
      batch_config: { encoding: { format: 'jsonl' } },
      faker_config: { locale: 'en_US' },
    });
    const expected =
      'Ignored settings this tap does not know: flattening_enabled, flattening_max_depth, stream_maps, stream_map_config, batch_config, faker_config.';
    const discover = await runProtocol(['tap', '--config', meltano, '--discover']);
    expect(discover.code, discover.stderr).toBe(0);
    const run = await tap({ config: meltano, catalog: selecting({ topics: [] }) });
    expect(records(run, 'topics').length).toBeGreaterThan(0);
    for (const output of [discover.stderr, run.stderr]) {
      const warnings = output.split('\n').filter((line) => line.includes('Ignored settings'));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/ WARN /);
      expect(warnings[0]?.endsWith(expected)).toBe(true);
      expect(output).not.toContain('hush-hush');
    }
  });

  it('still refuses a known setting with a bad value, exit 2', async () => {
    for (const bad of [{ region: 'mars' }, { emit_activate_version_messages: 'yes' }, { concurrency: 0 }]) {
      const file = files.file('bad-value.json', {
        api_key: sim.token,
        base_url: sim.url,
        flattening_enabled: true,
        ...bad,
      });
      const run = await tap({ config: file, catalog: selecting({ topics: [] }), exitCode: 2 });
      expect(run.stderr).toContain(Object.keys(bad)[0]);
      expect(records(run)).toEqual([]);
    }
  });

  it('discovers every table, in order, with its metadata', () => {
    expect(catalog.streams.map((stream) => stream.tap_stream_id)).toEqual([...STREAM_NAMES]);
    const campaigns = catalog.streams.find((s) => s.tap_stream_id === 'campaigns') as SingerCatalogEntry;
    expect(campaigns.metadata[0]).toEqual({
      breadcrumb: [],
      metadata: expect.objectContaining({
        'forced-replication-method': 'INCREMENTAL',
        'valid-replication-keys': ['updated'],
        'table-key-properties': ['id'],
      }),
    });
    expect(campaigns.metadata.find((m) => m.breadcrumb[1] === 'updated')?.metadata.inclusion).toBe(
      'automatic',
    );
  });

  describe('a full sync with the discovered catalog, then one after the workspace changed', () => {
    let first: ProtocolRun;
    let second: ProtocolRun;

    beforeAll(async () => {
      first = await tap({ catalog });
      sim.advance({ seconds: 3600 });
      second = await tap({ catalog, state: lastState(first) });
    });

    it('sends each stream its SCHEMA before its records, and records that match it', () => {
      const ajv = createAjv();
      const schemas = new Map<string, (value: unknown) => boolean>();
      const seen = new Set<string>();
      for (const m of first.messages) {
        if (m.type === 'SCHEMA') {
          expect(m.key_properties).toBeInstanceOf(Array);
          expect(m.bookmark_properties).toBeInstanceOf(Array);
          schemas.set(m.stream as string, ajv.compile(m.schema as JsonSchema));
        } else if (m.type === 'RECORD') {
          const validate = schemas.get(m.stream as string);
          expect(validate, `RECORD of ${String(m.stream)} before its SCHEMA`).toBeDefined();
          expect(validate?.(m.record), String(m.stream)).toBe(true);
          expect(Date.parse(m.time_extracted as string)).not.toBeNaN();
          seen.add(m.stream as string);
        }
      }
      expect([...seen].sort()).toEqual([...DEFAULT_STREAM_NAMES].sort());
    });

    it('keeps primary keys present and unique', () => {
      for (const entry of catalog.streams) {
        const rows = records(first, entry.tap_stream_id);
        const keys = rows.map((r) => JSON.stringify(entry.key_properties.map((k) => r[k])));
        expect(
          rows.every((r) => entry.key_properties.every((k) => r[k] !== null && r[k] !== undefined)),
        ).toBe(true);
        expect(new Set(keys).size, entry.tap_stream_id).toBe(rows.length);
      }
    });

    /** The streams the discovered catalog syncs as it is (opt-in ones are not selected by default). */
    const selectedByDefault = () =>
      catalog.streams.filter((entry) => DEFAULT_STREAM_NAMES.includes(entry.tap_stream_id as StreamName));

    it('ends with a state that has bookmarks and no progress markers', () => {
      const state = lastState(first);
      expect(state.currently_syncing).toBeNull();
      expect(JSON.stringify(state)).not.toContain('resume');
      for (const entry of selectedByDefault()) {
        const bookmark = state.bookmarks[entry.tap_stream_id];
        expect(bookmark?.last_completed_at, entry.tap_stream_id).toBeDefined();
        if (entry.replication_key) expect(bookmark?.replication_key).toBe(entry.replication_key);
      }
      expect(lastState(second).currently_syncing).toBeNull();
    });

    it('advances the bookmarks and re-reads only records at or after them', () => {
      const before = lastState(first).bookmarks;
      const after = lastState(second).bookmarks;
      let moved = 0;
      for (const entry of catalog.streams.filter((s) => s.replication_key)) {
        const name = entry.tap_stream_id;
        const old = Date.parse(before[name]?.replication_key_value as string);
        const now = Date.parse(after[name]?.replication_key_value as string);
        expect(now, name).toBeGreaterThanOrEqual(old);
        if (now > old) moved += 1;
        for (const row of records(second, name)) {
          expect(Date.parse(row[entry.replication_key as string] as string)).toBeGreaterThanOrEqual(old);
        }
        expect(records(second, name).length).toBeLessThanOrEqual(records(first, name).length);
      }
      expect(moved).toBeGreaterThan(0);
    });

    it('logs METRIC record counts on stderr that match the records sent', () => {
      const counts = new Map<string, number>();
      for (const line of first.stderr.split('\n')) {
        const at = line.indexOf('METRIC: ');
        if (at < 0) continue;
        const metric = JSON.parse(line.slice(at + 'METRIC: '.length)) as {
          metric: string;
          value: number;
          tags: { stream?: string };
        };
        if (metric.metric === 'record_count' && metric.tags.stream) {
          counts.set(metric.tags.stream, (counts.get(metric.tags.stream) ?? 0) + metric.value);
        }
      }
      for (const entry of selectedByDefault()) {
        expect(counts.get(entry.tap_stream_id), entry.tap_stream_id).toBe(
          records(first, entry.tap_stream_id).length,
        );
      }
      expect(first.stderr).toMatch(/METRIC: \{"type":"counter","metric":"http_request_count"/);
      expect(first.stderr).not.toContain(sim.token);
    });
  });

  it('sends only the selected streams, without the deselected fields', async () => {
    const run = await tap({ catalog: selecting({ broadcasts: ['name', 'tags', 'id'], snippets: [] }) });
    const streams = new Set(
      run.messages.filter((m) => m.type === 'RECORD' || m.type === 'SCHEMA').map((m) => m.stream),
    );
    expect([...streams].sort()).toEqual(['broadcasts', 'snippets']);
    const rows = records(run, 'broadcasts');
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      expect(row).not.toHaveProperty('name');
      expect(row).not.toHaveProperty('tags');
      expect(row).toHaveProperty('id');
      expect(row).toHaveProperty('updated');
    }
    const schema = run.messages.find((m) => m.type === 'SCHEMA' && m.stream === 'broadcasts')
      ?.schema as JsonSchema;
    expect(Object.keys(schema.properties ?? {})).not.toContain('name');
    expect(Object.keys(lastState(run).bookmarks).sort()).toEqual(['broadcasts', 'snippets']);
  });

  it('resumes an interrupted stream from currently_syncing where it stopped', async () => {
    const only = selecting({ messages: [] });
    const total = sim.truth().messages.length;
    // The key loses access to messages after the first page: the read stops with a resume point.
    sim.injectFault({ kind: 'status', status: 403, path: '/v1/messages', nth: [2], count: 1 });
    // A stream skipped for want of scope: Singer has no partial status, so an ERROR line and exit 3.
    const interrupted = await tap({ catalog: only, exitCode: 3 });
    expect(interrupted.stderr).toMatch(/ERROR.*Streams skipped \(the key lacks their scope\): messages/);
    sim.clearFaults();
    const state = lastState(interrupted);
    expect(state.currently_syncing).toBe('messages');
    expect(state.bookmarks.messages?.resume?.position).toBeTruthy();
    const firstPart = records(interrupted, 'messages');
    expect(firstPart.length).toBeGreaterThan(0);
    expect(firstPart.length).toBeLessThan(total);

    const mark = sim.requestLog().length;
    const resumed = await tap({ catalog: only, state });
    const requests = sim
      .requestLog()
      .slice(mark)
      .filter((r) => r.path === '/v1/messages');
    // Messages are treated as newest first: the head page is read again (nothing is new, so one
    // page), then the read goes on at the saved cursor, not at the second page.
    expect(requests[0]?.query.start).toBeUndefined();
    const saved = (state.bookmarks.messages?.resume?.position as { cursor?: string } | undefined)?.cursor;
    expect(requests[1]?.query.start, 'the resumed read goes on at the saved cursor').toBe(saved);
    const ids = new Set([...firstPart, ...records(resumed, 'messages')].map((r) => r.id));
    expect(ids.size).toBe(total);
    // The head page again (as many records as the first part), then the rest.
    expect(records(resumed, 'messages').length).toBe(total);
    expect(lastState(resumed).currently_syncing).toBeNull();
    expect(JSON.stringify(lastState(resumed))).not.toContain('resume');
  });

  it('exits non-zero with a CRITICAL line when the key is refused, without printing it', async () => {
    const bad = files.file('bad.json', { access_token: 'nope-nope-nope', base_url: sim.url });
    const run = await runProtocol([
      'tap',
      '--config',
      bad,
      '--catalog',
      files.file('c.json', selecting({ segments: [] })),
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/CRITICAL CIO_ERR_AUTH/);
    expect(records(run)).toEqual([]);
    expect(run.stdout + run.stderr).not.toContain('nope-nope-nope');
    expect(() => parseLines(run.stdout)).not.toThrow();
  });
});
