import { describe, expect, it } from 'vitest';
import type { StreamSpec } from '../../src/engine/sink.js';
import {
  airbyteCatalog,
  airbyteCatalogMessage,
  selectionFromConfiguredCatalog,
} from '../../src/protocols/airbyte/airbyte-catalog.js';
import type { JsonSchema } from '../../src/streams/types.js';
import { airbyteMessageErrors, airbyteSchemaAjv, protocolErrors } from './helpers/airbyte-protocol.js';
import { configError } from './helpers/config-error.js';
import { specs } from './helpers/fixtures.js';
import { realSpecs } from './helpers/real-specs.js';

function collect(node: unknown, key: string, found: unknown[] = []): unknown[] {
  if (Array.isArray(node)) for (const item of node) collect(item, key, found);
  else if (typeof node === 'object' && node !== null) {
    for (const [k, v] of Object.entries(node)) {
      if (k === key) found.push(v);
      collect(v, key, found);
    }
  }
  return found;
}

function typesOf(schema: JsonSchema | undefined): string[] {
  const type = schema?.type;
  return Array.isArray(type) ? type : type === undefined ? [] : [type];
}

function configured(streams: unknown[]): { streams: unknown[] } {
  return { streams };
}

function configuredStream(spec: StreamSpec, syncMode: 'full_refresh' | 'incremental', extra: object = {}) {
  return {
    stream: airbyteCatalog([spec]).streams[0],
    sync_mode: syncMode,
    destination_sync_mode: syncMode === 'incremental' ? 'append_dedup' : 'overwrite',
    ...(syncMode === 'incremental' && spec.replicationKey ? { cursor_field: [spec.replicationKey] } : {}),
    primary_key: spec.primaryKey.map((f) => [f]),
    ...extra,
  };
}

describe.each([
  ['hand-made specs', specs],
  ['the real tables', realSpecs],
])('Airbyte CATALOG from %s', (_label, make) => {
  const list = make();
  const message = airbyteCatalogMessage(list);
  const streams = airbyteCatalog(list).streams;

  it('is a valid AirbyteMessage with unique stream names and no $ref', () => {
    expect(airbyteMessageErrors(message)).toEqual([]);
    expect(new Set(streams.map((s) => s.name)).size).toBe(list.length);
    expect(collect(message, '$ref')).toEqual([]);
  });

  it('declares schemas that compile as strict JSON Schema, with every additionalProperties true', () => {
    const ajv = airbyteSchemaAjv();
    for (const stream of streams) {
      expect(() => ajv.compile(stream.json_schema), stream.name).not.toThrow();
      expect(stream.json_schema.type).toBe('object');
      expect(
        collect(stream.json_schema, 'additionalProperties').every((v) => v === true),
        stream.name,
      ).toBe(true);
    }
  });

  it('has cursors and primary keys that exist in the schema, keys of scalar type', () => {
    for (const stream of streams) {
      const properties = stream.json_schema.properties ?? {};
      expect(stream.supported_sync_modes.length).toBeGreaterThan(0);
      for (const path of stream.source_defined_primary_key) {
        expect(path).toHaveLength(1);
        const field = properties[path[0] as string];
        expect(field, `${stream.name}.${path[0]}`).toBeDefined();
        expect(
          typesOf(field).some((t) => t === 'object' || t === 'array'),
          `${stream.name}.${path[0]}`,
        ).toBe(false);
      }
      if (stream.supported_sync_modes.includes('incremental')) {
        expect(stream.source_defined_cursor).toBe(true);
        const cursor = stream.default_cursor_field?.[0];
        expect(cursor && properties[cursor], `${stream.name} cursor`).toBeDefined();
      } else {
        expect(stream.default_cursor_field).toBeUndefined();
      }
      expect(stream.is_resumable).toBe(true);
    }
  });

  it('types date-times as timestamps with a zone and drops the _cio_ metadata columns', () => {
    for (const stream of streams) {
      for (const [name, field] of Object.entries(stream.json_schema.properties ?? {})) {
        expect(name.startsWith('_cio_'), `${stream.name}.${name}`).toBe(false);
        if (field.format === 'date-time') expect(field.airbyte_type).toBe('timestamp_with_timezone');
      }
    }
  });

  it('offers incremental exactly for the streams with a replication key, and messages and activities on their time', () => {
    for (const [index, spec] of list.entries()) {
      const stream = streams[index];
      const cursor = spec.replicationKey ?? spec.cursorField;
      expect(stream?.supported_sync_modes, spec.name).toEqual(
        cursor ? ['full_refresh', 'incremental'] : ['full_refresh'],
      );
      expect(stream?.default_cursor_field, spec.name).toEqual(cursor ? [cursor] : undefined);
    }
  });
});

describe('the real tables read by what changed', () => {
  it('offer messages incremental on created and activities on timestamp, full refresh by default', () => {
    const streams = airbyteCatalog(realSpecs()).streams;
    const of = (name: string) => streams.find((s) => s.name === name);
    expect(of('messages')).toMatchObject({
      supported_sync_modes: ['full_refresh', 'incremental'],
      default_cursor_field: ['created'],
    });
    expect(of('activities')).toMatchObject({ default_cursor_field: ['timestamp'] });
    expect(of('customers')?.supported_sync_modes).toEqual(['full_refresh']);
  });
});

describe('configured catalog', () => {
  const [broadcasts, messages, snippets] = specs() as [StreamSpec, StreamSpec, StreamSpec];

  it('maps sync modes to methods (full_refresh reads the whole stream)', () => {
    const catalog = configured([
      configuredStream(broadcasts, 'incremental'),
      configuredStream(messages, 'full_refresh'),
      configuredStream(snippets, 'full_refresh'),
    ]);
    expect(protocolErrors('ConfiguredAirbyteCatalog', catalog)).toEqual([]);
    const { selection, warnings } = selectionFromConfiguredCatalog(catalog, specs());
    expect(selection).toEqual([
      { name: 'broadcasts', method: 'incremental' },
      { name: 'messages', method: 'full_table' },
      { name: 'snippets', method: 'full_table' },
    ]);
    expect(warnings).toEqual([]);
  });

  it('rejects incremental on a stream without a cursor, unknown and repeated streams', () => {
    expect(
      configError(() =>
        selectionFromConfiguredCatalog(configured([configuredStream(messages, 'incremental')]), specs()),
      ),
    ).toMatch(/messages.*only full_refresh/);
    const unknown = configured([{ ...configuredStream(messages, 'full_refresh'), stream: { name: 'nope' } }]);
    expect(configError(() => selectionFromConfiguredCatalog(unknown, specs()))).toMatch(
      /unknown stream "nope"/,
    );
    const twice = configured([
      configuredStream(messages, 'full_refresh'),
      configuredStream(messages, 'full_refresh'),
    ]);
    expect(configError(() => selectionFromConfiguredCatalog(twice, specs()))).toMatch(/twice/);
    expect(configError(() => selectionFromConfiguredCatalog(configured([]), specs()))).toMatch(/no stream/);
    expect(configError(() => selectionFromConfiguredCatalog({ streams: 'x' }, specs()))).toMatch(
      /"streams" list/,
    );
    const badMode = configured([{ ...configuredStream(messages, 'full_refresh'), sync_mode: 'cdc' }]);
    expect(configError(() => selectionFromConfiguredCatalog(badMode, specs()))).toMatch(/sync_mode "cdc"/);
  });

  it('keeps the source-defined cursor and key, and says so when the catalog asks for others', () => {
    const catalog = configured([
      configuredStream(broadcasts, 'incremental', { cursor_field: ['created'], primary_key: [['name']] }),
    ]);
    const { selection, warnings } = selectionFromConfiguredCatalog(catalog, specs());
    expect(selection).toEqual([{ name: 'broadcasts', method: 'incremental' }]);
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/cursor_field \["created"\] ignored.*updated/);
    expect(warnings[1]).toMatch(/primary_key/);
  });
});
