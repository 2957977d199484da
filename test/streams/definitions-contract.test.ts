import { describe, expect, it } from 'vitest';
import { streamSpecFor } from '../../src/engine/catalog.js';
import {
  getDefinition,
  isStreamName,
  STREAM_DEFINITIONS,
  STREAM_NAMES,
  tablesToSync,
} from '../../src/streams/definitions.js';
import { READERS } from '../../src/streams/readers/index.js';
import type { JsonSchema, StreamDefinition } from '../../src/streams/types.js';
import { API_EXAMPLES } from './helpers/api-examples.js';
import { exampleRow } from './helpers/example-rows.js';
import { createAjv, validationErrors } from './helpers/schema-validator.js';

/**
 * streams.md, the public contract: every table is keyed on `id` and read in full (no replication
 * key), except these.
 */
const CONTRACT_EXCEPTIONS: Record<string, { primaryKey?: string[]; replicationKey?: string }> = {
  broadcasts: { replicationKey: 'updated' },
  transactional_messages: { replicationKey: 'updated_at' },
  customers: { primaryKey: ['cio_id'] },
  campaigns: { replicationKey: 'updated' },
  newsletters: { replicationKey: 'updated' },
  segments: { replicationKey: 'updated_at' },
  exports: { replicationKey: 'updated_at' },
  snippets: { primaryKey: ['name'], replicationKey: 'updated_at' },
  collections: { replicationKey: 'updated_at' },
  campaign_actions: { primaryKey: ['campaign_id', 'id'] },
  broadcast_actions: { primaryKey: ['broadcast_id', 'id'] },
  broadcast_triggers: { primaryKey: ['broadcast_id', 'id'] },
  newsletter_contents: { primaryKey: ['newsletter_id', 'id'] },
  newsletter_test_groups: { primaryKey: ['newsletter_id', 'id'] },
  segment_members: { primaryKey: ['segment_id', 'cio_id'] },
  segment_dependencies: { primaryKey: ['segment_id', 'dependent_type', 'dependent_id'] },
  objects: { primaryKey: ['object_type_id', 'object_id'] },
  object_relationships: { primaryKey: ['object_type_id', 'object_id', 'cio_id'] },
  campaign_metrics: { primaryKey: ['campaign_id', 'period_start'] },
  broadcast_metrics: { primaryKey: ['broadcast_id', 'period_start'] },
  newsletter_metrics: { primaryKey: ['newsletter_id', 'period_start'] },
  transactional_metrics: { primaryKey: ['transactional_id', 'period_start'] },
  campaign_action_metrics: { primaryKey: ['campaign_id', 'action_id', 'variant_action_id', 'period_start'] },
  broadcast_action_metrics: {
    primaryKey: ['broadcast_id', 'action_id', 'variant_action_id', 'period_start'],
  },
  newsletter_content_metrics: { primaryKey: ['newsletter_id', 'content_id', 'period_start'] },
  campaign_journey_metrics: { primaryKey: ['campaign_id', 'period_start'] },
  campaign_link_metrics: { primaryKey: ['campaign_id', 'link_id', 'period_start'] },
  broadcast_link_metrics: { primaryKey: ['broadcast_id', 'link_id', 'period_start'] },
  newsletter_link_metrics: { primaryKey: ['newsletter_id', 'link_id', 'period_start'] },
  transactional_link_metrics: { primaryKey: ['transactional_id', 'link_id', 'period_start'] },
};

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

function typesOf(schema: JsonSchema): string[] {
  return schema.type === undefined ? [] : Array.isArray(schema.type) ? schema.type : [schema.type];
}

/** Every sub-schema of a schema, with its path. */
function* subSchemas(schema: JsonSchema, path = '#'): Generator<[string, JsonSchema]> {
  yield [path, schema];
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    yield* subSchemas(property, `${path}/properties/${name}`);
  }
  if (schema.items !== undefined) yield* subSchemas(schema.items, `${path}/items`);
}

describe('the table of definitions', () => {
  it('has one definition per table, named and ordered as STREAM_NAMES', () => {
    expect(STREAM_DEFINITIONS.map((def) => def.name)).toEqual([...STREAM_NAMES]);
    expect(new Set(STREAM_NAMES).size).toBe(STREAM_NAMES.length);
    expect(STREAM_NAMES.filter((name) => !/^[a-z]+(_[a-z]+)*$/.test(name))).toEqual([]);
  });

  it('has a definition for every table the contract names an exception for', () => {
    expect(Object.keys(CONTRACT_EXCEPTIONS).filter((name) => !isStreamName(name))).toEqual([]);
  });

  it('fills in the defaults an entry leaves out', () => {
    const topics = getDefinition('topics');
    expect(topics).toMatchObject({
      recordsKey: 'topics',
      paging: { kind: 'none' },
      primaryKey: ['id'],
      reader: 'list',
    });
    // Each definition owns its key: changing one must not change another's.
    expect(getDefinition('workspaces').primaryKey).not.toBe(topics.primaryKey);
    expect(getDefinition('transactional_messages').recordsKey).toBe('messages');
  });

  it('names a registered reader in every definition', () => {
    for (const def of STREAM_DEFINITIONS) expect(READERS[def.reader], def.name).toBeDefined();
  });

  it('reads a table per parent exactly when it names a parent table, whose key its path and key carry', () => {
    for (const def of STREAM_DEFINITIONS) {
      const perParent = def.reader === 'parent-child' || def.reader === 'metrics';
      expect(perParent, def.name).toBe(def.parent !== undefined);
      if (def.parent === undefined) continue;
      const parent = getDefinition(def.parent.table);
      expect(parent.parent, `${def.name}: parents are plain tables`).toBeUndefined();
      expect(def.request.path).toContain(`{${def.parent.keyColumn}}`);
      expect(def.primaryKey[0]).toBe(def.parent.keyColumn);
      expect(def.replicationKey, `${def.name} is read in full`).toBeUndefined();
    }
  });

  it('syncs the named tables, else every table but the opt-in ones (sync, plan and the tap alike)', () => {
    const optIn = STREAM_DEFINITIONS.filter((def) => def.optIn).map((def) => def.name);
    expect(optIn).toContain('objects');
    expect(tablesToSync(undefined)).toEqual(STREAM_NAMES.filter((name) => !optIn.includes(name)));
    expect(tablesToSync(['objects', 'topics'])).toEqual(['objects', 'topics']);
    expect(() => tablesToSync(['people'])).toThrow(expect.objectContaining({ code: 'CIO_ERR_CONFIG' }));
  });

  it('finds definitions by name and rejects unknown names with a config error', () => {
    expect(getDefinition('messages').request.path).toBe('/v1/messages');
    expect(isStreamName('eps_suppression')).toBe(true);
    expect(isStreamName('people')).toBe(false);
    expect(() => getDefinition('people')).toThrow(expect.objectContaining({ code: 'CIO_ERR_CONFIG' }));
  });

  it('pages each endpoint with the largest page it allows', () => {
    const paging = Object.fromEntries(STREAM_DEFINITIONS.map((def) => [def.name, def.paging]));
    expect(paging).toMatchObject({
      messages: { kind: 'cursor', pageSize: 1000 },
      activities: { kind: 'cursor', pageSize: 100 },
      customers: { kind: 'cursor', pageSize: 1000 },
      newsletters: { kind: 'cursor', pageSize: 100 },
      sender_identities: { kind: 'cursor', pageSize: 100 },
      eps_suppression: { kind: 'offset', pageSize: 1000 },
      // 10 per page and no `limit` parameter (customerio-beyond.md A.1).
      campaign_actions: { kind: 'cursor', pageSize: 10, sendsLimit: false },
      segment_members: { kind: 'cursor', pageSize: 30000 },
    });
    const paged = [
      'campaign_actions',
      'segment_members',
      'messages',
      'activities',
      'customers',
      'newsletters',
      'sender_identities',
      'eps_suppression',
    ];
    for (const def of STREAM_DEFINITIONS.filter((d) => !paged.includes(d.name))) {
      expect(def.paging, def.name).toEqual({ kind: 'none' });
    }
  });

  it('filters by time where streams.md says so', () => {
    const timeFields = STREAM_DEFINITIONS.filter((def) => def.timeField).map((def) => [
      def.name,
      def.timeField,
    ]);
    expect(timeFields).toEqual([
      ['messages', 'created'],
      ['activities', 'timestamp'],
      ['eps_suppression', 'created'],
    ]);
    expect(STREAM_DEFINITIONS.filter((def) => def.serverTimeFilter).map((def) => def.name)).toEqual([
      'messages',
    ]);
  });

  it('reads the people list with the match-everyone filter', () => {
    expect(getDefinition('customers').request).toEqual({
      method: 'POST',
      path: '/v1/customers',
      body: { filter: { and: [{ attribute: { field: 'cio_id', operator: 'exists' } }] } },
    });
  });
});

describe.each(STREAM_DEFINITIONS.map((def) => [def.name, def] as const))(
  '%s',
  (name, def: StreamDefinition) => {
    const schema = def.schema;
    const properties = schema.properties ?? {};

    it('has the primary key and replication key of the contract', () => {
      expect(def.primaryKey).toEqual(CONTRACT_EXCEPTIONS[name]?.primaryKey ?? ['id']);
      expect(def.replicationKey).toBe(CONTRACT_EXCEPTIONS[name]?.replicationKey);
    });

    it('has a valid draft-07 schema (strict ajv) of an open object', () => {
      const ajv = createAjv();
      expect(ajv.validateSchema(schema), JSON.stringify(ajv.errors)).toBe(true);
      expect(() => ajv.compile(schema)).not.toThrow();
      expect(schema.type).toBe('object');
      expect(schema.additionalProperties).toBe(true);
    });

    it('types every column but those the sources type differently, and declares additionalProperties only as true', () => {
      for (const [column, property] of Object.entries(properties)) {
        // Untyped JSON (fields.ts `untypedJson`) must say why: which sources disagree.
        if (typesOf(property).length === 0)
          expect(property.description, `${column} has a type or a reason`).toMatch(/live|vendor/i);
      }
      for (const [path, sub] of subSchemas(schema)) {
        if (sub.additionalProperties !== undefined) expect(sub.additionalProperties, path).toBe(true);
        expect(sub.$ref, path).toBeUndefined();
      }
    });

    it('declares its keys as required, non-null scalar columns', () => {
      for (const column of def.primaryKey) {
        const property = properties[column];
        expect(property, column).toBeDefined();
        const types = typesOf(property ?? {});
        expect(
          types.some((t) => ['object', 'array', 'null'].includes(t)),
          `${column}: ${types}`,
        ).toBe(false);
        expect(schema.required).toContain(column);
      }
      if (def.replicationKey !== undefined) {
        expect(properties[def.replicationKey]).toEqual(
          expect.objectContaining({ type: 'string', format: 'date-time' }),
        );
        expect(schema.required).toContain(def.replicationKey);
      }
      if (def.timeField !== undefined) {
        expect(properties[def.timeField]?.format).toBe('date-time');
      }
    });

    it('leaves the _cio_* metadata columns to the engine', () => {
      expect(Object.keys(properties).filter((column) => column.startsWith('_cio_'))).toEqual([]);
    });

    it('gives sinks a spec with the metadata columns and the replication method', () => {
      const spec = streamSpecFor(def);
      expect(spec.name).toBe(name);
      expect(spec.primaryKey).toEqual(def.primaryKey);
      expect(spec.method).toBe(def.replicationKey ? 'incremental' : 'full_table');
      expect(spec.replicationKey).toBe(def.replicationKey);
      for (const column of ['_cio_synced_at', '_cio_deleted_at']) {
        expect(spec.schema.properties?.[column]).toMatchObject({
          type: ['string', 'null'],
          format: 'date-time',
        });
      }
      expect(Object.keys(spec.schema.properties ?? {})).toHaveLength(Object.keys(properties).length + 2);
      expect(createAjv().validateSchema(spec.schema)).toBe(true);
      // The definition's own schema is left as it was.
      expect(properties._cio_synced_at).toBeUndefined();
    });
  },
);

describe.each(Object.entries(API_EXAMPLES))('the API example of %s', (name, example) => {
  const def = getDefinition(name);
  const schema = def.schema;
  const properties = schema.properties ?? {};

  it('turns the API example into a row that validates, with RFC 3339 times', () => {
    const row = exampleRow(def, example);
    expect(validationErrors(schema, row)).toEqual([]);
    for (const [column, property] of Object.entries(properties)) {
      if (property.format === 'date-time' && row[column] != null) expect(row[column]).toMatch(RFC3339);
    }
    for (const column of def.primaryKey) expect(row[column]).not.toBeNull();
  });

  it('rejects a row whose primary key is missing', () => {
    const row = exampleRow(def, example);
    for (const column of def.primaryKey) delete row[column];
    expect(validationErrors(schema, row)).not.toEqual([]);
  });
});
