import { describe, expect, it } from 'vitest';
import { type SingerCatalogEntry, singerCatalog } from '../../src/protocols/singer/singer-catalog.js';
import { selectionFromSingerCatalog } from '../../src/protocols/singer/singer-selection.js';
import { createAjv } from '../streams/helpers/schema-validator.js';
import { configError } from './helpers/config-error.js';
import { specs } from './helpers/fixtures.js';
import { realSpecs } from './helpers/real-specs.js';

function rootMetadata(entry: SingerCatalogEntry): Record<string, unknown> {
  return entry.metadata.find((m) => m.breadcrumb.length === 0)?.metadata ?? {};
}

function fieldMetadata(entry: SingerCatalogEntry, field: string): Record<string, unknown> | undefined {
  return entry.metadata.find((m) => m.breadcrumb[0] === 'properties' && m.breadcrumb[1] === field)?.metadata;
}

/** A discovered catalog edited as a user (or Meltano's `select`) would: set `selected` on breadcrumbs. */
function select(
  catalog: { streams: SingerCatalogEntry[] },
  choices: Record<string, { stream?: boolean; fields?: Record<string, boolean> }>,
): { streams: SingerCatalogEntry[] } {
  const copy = structuredClone(catalog);
  for (const entry of copy.streams) {
    const choice = choices[entry.tap_stream_id];
    if (!choice) continue;
    for (const item of entry.metadata) {
      if (item.breadcrumb.length === 0 && choice.stream !== undefined) item.metadata.selected = choice.stream;
      const field = item.breadcrumb[1];
      if (field !== undefined && choice.fields?.[field] !== undefined)
        item.metadata.selected = choice.fields[field];
    }
  }
  return copy;
}

describe.each([
  ['hand-made specs', specs],
  ['the real tables', realSpecs],
])('Singer discovery catalog from %s', (_label, make) => {
  const list = make();
  const catalog = singerCatalog(list);

  it('has one entry per stream with the legacy keys and valid JSON Schemas', () => {
    const ajv = createAjv();
    expect(catalog.streams.map((s) => s.tap_stream_id)).toEqual(list.map((s) => s.name));
    for (const [index, entry] of catalog.streams.entries()) {
      const spec = list[index]!;
      expect(entry.stream).toBe(spec.name);
      expect(entry.key_properties).toEqual(spec.primaryKey);
      expect(entry.replication_method).toBe(spec.method === 'incremental' ? 'INCREMENTAL' : 'FULL_TABLE');
      expect(entry.replication_key).toBe(spec.replicationKey);
      expect(() => ajv.compile(entry.schema), entry.stream).not.toThrow();
      expect(Object.keys(entry.schema.properties ?? {}).some((f) => f.startsWith('_cio_'))).toBe(false);
    }
  });

  it('writes the standard metadata: automatic keys and bookmarks, forced method, valid keys', () => {
    for (const [index, entry] of catalog.streams.entries()) {
      const spec = list[index]!;
      const root = rootMetadata(entry);
      expect(root).toMatchObject({
        inclusion: 'available',
        'selected-by-default': !spec.optIn,
        'table-key-properties': spec.primaryKey,
      });
      expect(root['parent-tap-stream-id']).toBe(spec.parent);
      // messages and activities may also be read incrementally on their time: the catalog chooses.
      const timeCursor = spec.cursorField;
      expect(root['forced-replication-method']).toBe(timeCursor ? undefined : entry.replication_method);
      expect(entry.replication_method, spec.name).toBe(spec.replicationKey ? 'INCREMENTAL' : 'FULL_TABLE');
      const valid = spec.replicationKey ?? timeCursor;
      expect(root['valid-replication-keys']).toEqual(valid ? [valid] : undefined);
      const automatic = [...spec.primaryKey, ...(spec.replicationKey ? [spec.replicationKey] : [])];
      for (const field of Object.keys(entry.schema.properties ?? {})) {
        expect(fieldMetadata(entry, field), `${entry.stream}.${field}`).toEqual({
          inclusion: automatic.includes(field) ? 'automatic' : 'available',
          'selected-by-default': true,
        });
      }
    }
  });

  it('syncs every stream with every field when passed back unchanged', () => {
    const selection = selectionFromSingerCatalog(JSON.parse(JSON.stringify(catalog)), list);
    // Opt-in tables are not selected by default.
    const selected = list.filter((spec) => !spec.optIn);
    expect(selection).toEqual(selected.map((spec) => ({ name: spec.name, method: spec.method })));
  });
});

describe('the Singer catalog of the tables read per parent', () => {
  it('names the parent stream of each, as singer-io taps do', () => {
    const roots = Object.fromEntries(
      singerCatalog(realSpecs()).streams.map((entry) => [entry.tap_stream_id, rootMetadata(entry)]),
    );
    expect(roots.campaign_actions?.['parent-tap-stream-id']).toBe('campaigns');
    expect(roots.segment_members?.['parent-tap-stream-id']).toBe('segments');
    expect(roots.campaigns?.['parent-tap-stream-id']).toBeUndefined();
  });
});

describe('Singer catalog selection', () => {
  const catalog = singerCatalog(specs());

  it('honours selected on streams and drops deselected fields, never the automatic ones', () => {
    const edited = select(catalog, {
      broadcasts: { stream: true, fields: { name: false, tags: false, id: false, updated: false } },
      messages: { stream: false },
    });
    expect(selectionFromSingerCatalog(edited, specs())).toEqual([
      { name: 'broadcasts', method: 'incremental', fields: ['id', 'updated', 'created'] },
      { name: 'snippets', method: 'incremental' },
    ]);
  });

  it('follows selected-by-default when selected is absent, and the legacy schema.selected', () => {
    const edited = structuredClone(catalog);
    for (const entry of edited.streams) {
      const root = entry.metadata.find((m) => m.breadcrumb.length === 0)!;
      root.metadata['selected-by-default'] = entry.stream === 'messages';
    }
    (edited.streams[2]!.schema as Record<string, unknown>).selected = true;
    expect(selectionFromSingerCatalog(edited, specs()).map((s) => s.name)).toEqual(['messages', 'snippets']);
  });

  it('lets FULL_TABLE override an incremental stream, but not INCREMENTAL a full-table one', () => {
    const edited = structuredClone(catalog);
    for (const entry of edited.streams) {
      rootMetadata(entry)['replication-method'] =
        entry.stream === 'broadcasts' ? 'FULL_TABLE' : 'INCREMENTAL';
    }
    expect(selectionFromSingerCatalog(edited, specs())).toEqual([
      { name: 'broadcasts', method: 'full_table' },
      { name: 'messages', method: 'full_table' },
      { name: 'snippets', method: 'incremental' },
    ]);
    rootMetadata(edited.streams[0]!)['replication-method'] = 'LOG_BASED';
    expect(configError(() => selectionFromSingerCatalog(edited, specs()))).toMatch(/LOG_BASED/);
  });

  it('reads messages and activities incrementally on their time when the catalog asks INCREMENTAL', () => {
    const real = realSpecs();
    const edited = structuredClone(singerCatalog(real));
    for (const entry of edited.streams) {
      rootMetadata(entry).selected = ['messages', 'activities', 'customers'].includes(entry.stream);
      rootMetadata(entry)['replication-method'] = 'INCREMENTAL';
    }
    expect(selectionFromSingerCatalog(edited, real).map(({ name, method }) => ({ name, method }))).toEqual([
      { name: 'customers', method: 'full_table' },
      { name: 'messages', method: 'incremental' },
      { name: 'activities', method: 'incremental' },
    ]);
  });

  it('accepts a hand-written catalog without metadata when streams are selected in the schema', () => {
    const minimal = {
      streams: [{ tap_stream_id: 'messages', schema: { type: 'object', selected: true, properties: {} } }],
    };
    expect(selectionFromSingerCatalog(minimal, specs())).toEqual([
      { name: 'messages', method: 'full_table' },
    ]);
  });

  it('explains what is wrong with a catalog it cannot use', () => {
    expect(configError(() => selectionFromSingerCatalog({}, specs()))).toMatch(/"streams" list/);
    expect(
      configError(() =>
        selectionFromSingerCatalog({ streams: [{ tap_stream_id: 'people', schema: {} }] }, specs()),
      ),
    ).toMatch(/unknown stream "people"/);
    const none = select(catalog, {
      broadcasts: { stream: false },
      messages: { stream: false },
      snippets: { stream: false },
    });
    expect(configError(() => selectionFromSingerCatalog(none, specs()))).toMatch(/no stream is selected/);
    const twice = { streams: [catalog.streams[0], catalog.streams[0]] };
    expect(configError(() => selectionFromSingerCatalog(twice, specs()))).toMatch(/twice/);
    const badMetadata = { streams: [{ ...catalog.streams[0], metadata: [{ breadcrumb: 'x' }] }] };
    expect(configError(() => selectionFromSingerCatalog(badMetadata, specs()))).toMatch(/breadcrumb/);
  });
});
