import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseDestination } from '../../src/config/destination.js';
import { openEventStore } from '../../src/destinations/registry.js';
import { DELIVERY_EVENTS_SPEC } from '../../src/serve/delivery-event.js';
import { queryDuckDb } from '../helpers/duckdb.js';
import { dropSchema, PG_URL, queryPostgres } from '../helpers/postgres.js';
import { scratchDir } from '../helpers/scratch-dir.js';

const dir = scratchDir('event-store');
const SCHEMA = `event_store_${process.pid}`;
afterAll(() => dropSchema(SCHEMA));

const row = (key: string, extra: Record<string, unknown> = {}) => ({
  key,
  fields: { event_id: key, metric: 'sent', timestamp: new Date(1_700_000_000_000), campaign_id: 7, ...extra },
});

const ENGINES = [
  {
    name: 'DuckDB',
    destination: parseDestination(`duckdb:${join(dir, 'events.duckdb')}`),
    count: async () =>
      (await queryDuckDb(
        join(dir, 'events.duckdb'),
        'SELECT event_id, extra::VARCHAR AS extra FROM delivery_events ORDER BY event_id',
      )) as { event_id: string; extra: string | null }[],
  },
  {
    name: 'PostgreSQL',
    destination: parseDestination(PG_URL, SCHEMA),
    count: async () =>
      (await queryPostgres(
        `SELECT event_id, extra::text AS extra FROM "${SCHEMA}".delivery_events ORDER BY event_id`,
      )) as { event_id: string; extra: string | null }[],
  },
];

describe.each(ENGINES)('the append-once event table ($name)', ({ destination, count }) => {
  it('writes each key once, whether the batch is small or staged, repeated within or across batches', async () => {
    const store = await openEventStore(destination, DELIVERY_EVENTS_SPEC);
    try {
      await store.prepare();
      // Small (one statement of bound values), then large (DuckDB stages it), each with repeats.
      expect(await store.append([row('a'), row('b'), row('a')], [])).toEqual(new Set(['a', 'b']));
      const large = Array.from({ length: 30 }, (_, n) => row(`k${String(n).padStart(2, '0')}`, { extra: n }));
      expect(await store.append(large, [])).toEqual(new Set(large.map((r) => r.key)));
      const mixed = [
        row('a'),
        row('k00'),
        row('new1', { extra: 'text now' }),
        ...Array.from({ length: 12 }, (_, n) => row(`m${n}`)),
        row('m0'),
      ];
      expect(await store.append(mixed, [])).toEqual(
        new Set(['new1', ...Array.from({ length: 12 }, (_, n) => `m${n}`)]),
      );
      expect(
        await store.append(
          [row('b')],
          [{ sha256: 'f'.repeat(64), reason: 'not JSON', body: 'x', sentAt: '1', receivedAt: new Date() }],
        ),
      ).toEqual(new Set());
    } finally {
      await store.close();
    }
    const rows = await count();
    expect(rows.map((r) => r.event_id)).toEqual([...new Set(rows.map((r) => r.event_id))]);
    expect(rows).toHaveLength(2 + 30 + 13);
    // An undeclared field got a column typed from its first values; a later misfit is null there.
    expect(rows.find((r) => r.event_id === 'k05')?.extra).toBe('5');
    expect(rows.find((r) => r.event_id === 'new1')?.extra).toBeNull();
  });
});
