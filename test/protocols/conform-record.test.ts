import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DateTime } from '../../src/core/time.js';
import { conformRecord, fitsSchema } from '../../src/protocols/shared/conform-record.js';
import { protocolSchema } from '../../src/protocols/shared/protocol-record.js';
import { createSingerSink } from '../../src/protocols/singer/singer-sink.js';
import { STREAM_DEFINITIONS } from '../../src/streams/definitions.js';
import { validationErrors } from '../streams/helpers/schema-validator.js';
import { captureLines, runInfo, specNamed } from './helpers/fixtures.js';

const campaigns = STREAM_DEFINITIONS.find((def) => def.name === 'campaigns')!;
const types = STREAM_DEFINITIONS.find((def) => def.name === 'types')!;

/** What a target receives: the record as JSON text, parsed. */
const asSent = (record: unknown) => JSON.parse(JSON.stringify(record)) as Record<string, unknown>;

describe('records leave as their schema declares', () => {
  it('keeps a record that fits as the very same object', () => {
    const row = { id: 1, name: 'x', created: DateTime.fromUnixSeconds(1_700_000_000), tags: ['a'] };
    expect(conformRecord(row, campaigns.schema, ['id']).record).toBe(row);
  });

  it('moves a value of another type to <field>__raw and sends the field as null', () => {
    const row = {
      id: 1,
      start_hour: '9',
      tags: 'a,b',
      created: 'yesterday',
      updated: DateTime.fromUnixSeconds(1),
    };
    const { record, moved } = conformRecord(row, campaigns.schema, ['id', 'updated']);
    expect(moved.sort()).toEqual(['created', 'start_hour', 'tags']);
    expect(record).toMatchObject({ start_hour: null, start_hour__raw: '9', tags: null, tags__raw: 'a,b' });
    expect(record.created__raw).toBe('yesterday');
    expect(row.start_hour).toBe('9'); // the row itself is untouched
  });

  it('converts keys without loss instead of moving them', () => {
    expect(conformRecord({ id: 7 }, types.schema, ['id']).record).toEqual({ id: '7' });
    expect(conformRecord({ id: '12' }, campaigns.schema, ['id']).record).toEqual({ id: 12 });
  });

  it('checks nested declarations, formats and untyped fields', () => {
    const actions = campaigns.schema.properties!.actions!;
    expect(fitsSchema(actions, [{ id: '12', type: 'email' }])).toBe(true);
    expect(fitsSchema(actions, [{ id: true }])).toBe(false);
    expect(fitsSchema(campaigns.schema.properties!.object_attribute_triggers!, '[{"a":1}]')).toBe(true);
    expect(fitsSchema({ type: ['string', 'null'], format: 'date-time' }, '2026-02-30T00:00:00Z')).toBe(false);
  });

  it('any JSON in any field of any table: the record validates against the declared schema', () => {
    for (const def of STREAM_DEFINITIONS) {
      const schema = protocolSchema(def);
      const fields = Object.keys(schema.properties ?? {});
      const record = fc.record(Object.fromEntries(fields.map((f) => [f, fc.jsonValue({ maxDepth: 2 })])), {
        requiredKeys: [],
      });
      fc.assert(
        fc.property(record, (row) => {
          const { record: out } = conformRecord(row as Record<string, unknown>, schema, def.primaryKey);
          // Keys are the engine's to check (it sets aside records without a usable one).
          const checked = { ...schema, required: [] };
          const withoutKeys = Object.fromEntries(
            Object.entries(asSent(out)).filter(([field]) => !def.primaryKey.includes(field)),
          );
          expect(validationErrors(checked, withoutKeys), def.name).toEqual([]);
        }),
        { numRuns: 15 },
      );
    }
  });
});

describe('the Singer sink', () => {
  it('declares <field>__raw in a new SCHEMA before the first record that needs it; every RECORD validates', async () => {
    const capture = captureLines();
    const broadcasts = specNamed('broadcasts');
    const sink = createSingerSink({ out: capture.out });
    await sink.open(runInfo([broadcasts]));
    await sink.prepareStream(broadcasts);
    const bookmark = { replication_key_value: '2024-04-02T00:00:00Z' };
    await sink.write(broadcasts, [{ id: 1, name: 'a', updated: '2024-04-01T00:00:00Z' }], bookmark);
    const result = await sink.write(
      broadcasts,
      [{ id: '2', name: 42, updated: 'not a time', tags: '["x"]' }],
      bookmark,
    );
    expect(result.coerced).toBe(4);
    let schema: Record<string, unknown> = {};
    const invalid: string[] = [];
    for (const message of capture.messages()) {
      if (message.type === 'SCHEMA') schema = message.schema as Record<string, unknown>;
      if (message.type === 'RECORD') invalid.push(...validationErrors(schema, message.record));
    }
    expect(invalid).toEqual([]);
    const records = capture.messages().filter((m) => m.type === 'RECORD');
    expect(records[1]?.record).toEqual({
      id: 2,
      name: null,
      name__raw: 42,
      updated: null,
      updated__raw: 'not a time',
      tags: null,
      tags__raw: '["x"]',
    });
  });
});
