import { setTimeout as delay } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import type { StreamBookmark } from '../../src/core/state.js';
import { quoteIdentifier as q } from '../../src/destinations/sql/quote-identifier.js';
import type { RunInfo, RunOutcome, Sink, StreamSpec } from '../../src/engine/sink.js';
import type { JsonSchema, Row } from '../../src/streams/types.js';

/**
 * One engine's sink plus a way to look at its destination. `query` returns plain values: integers as
 * numbers, timestamps as Dates, JSON columns parsed. Unqualified table names resolve to the sink's tables.
 */
export interface SinkHarness {
  sink: Sink;
  query(sql: string): Promise<Row[]>;
  /** Another sink on the same destination (lock and reopen tests). */
  sameDestination(): Sink;
  /** Closes every sink the harness made and removes what the test left behind. */
  cleanup(): Promise<void>;
}

const METADATA: Record<string, JsonSchema> = {
  _cio_synced_at: { type: ['string', 'null'], format: 'date-time' },
  _cio_deleted_at: { type: ['string', 'null'], format: 'date-time' },
};

let sequence = 0;

function uniqueName(base: string): string {
  sequence += 1;
  return `${base}_${process.pid}_${sequence}`;
}

function streamSpec(
  name: string,
  properties: Record<string, JsonSchema>,
  options: { primaryKey?: string[]; method?: StreamSpec['method'] } = {},
): StreamSpec {
  const method = options.method ?? 'full_table';
  return {
    name,
    primaryKey: options.primaryKey ?? ['id'],
    method,
    ...(method === 'incremental' ? { replicationKey: 'updated_at' } : {}),
    schema: { type: 'object', properties: { ...properties, ...METADATA } },
  };
}

function runInfo(streams: StreamSpec[], runId = uniqueName('run')): RunInfo {
  return { runId, startedAt: new Date(), streams };
}

function outcome(status: RunOutcome['status'] = 'succeeded'): RunOutcome {
  return { status, finishedAt: new Date(), streams: {} };
}

const ID: JsonSchema = { type: 'integer' };

/** When a row was last written, in milliseconds. */
function syncedAt(row: Row | undefined): number {
  const value = row?._cio_synced_at;
  expect(value).toBeInstanceOf(Date);
  return (value as Date).getTime();
}
const NAME: JsonSchema = { type: ['string', 'null'] };
const TIME: JsonSchema = { type: ['string', 'null'], format: 'date-time' };

export function describeSinkContract(engineName: string, makeSink: () => Promise<SinkHarness>): void {
  describe(`${engineName} sink contract`, () => {
    let current: SinkHarness | undefined;

    async function harness(): Promise<SinkHarness> {
      current = await makeSink();
      return current;
    }

    afterEach(async () => {
      await current?.cleanup();
      current = undefined;
    });

    async function rows(h: SinkHarness, table: string, orderBy = 'id'): Promise<Row[]> {
      return h.query(`SELECT * FROM ${q(table)} ORDER BY ${q(orderBy)}`);
    }

    async function columnOf(h: SinkHarness, table: string, field: string, role = 'value'): Promise<string> {
      const found = await h.query(
        `SELECT column_name FROM _cio_columns WHERE table_name = '${table.replaceAll("'", "''")}' AND field = '${field.replaceAll("'", "''")}' AND role = '${role}'`,
      );
      expect(found, `column of ${field} (${role})`).toHaveLength(1);
      return String(found[0]?.column_name);
    }

    async function columnTypes(h: SinkHarness, table: string): Promise<Record<string, string>> {
      const found = await h.query(
        `SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = '${table}'`,
      );
      return Object.fromEntries(found.map((row) => [String(row.column_name), String(row.data_type)]));
    }

    it('creates a table with a column of every type and round-trips the values', async () => {
      const h = await harness();
      const spec = streamSpec(uniqueName('every_type'), {
        id: ID,
        name: { type: 'string' },
        created: TIME,
        score: { type: ['number', 'null'] },
        active: { type: 'boolean' },
        attrs: { type: 'object' },
        tags: { type: ['array', 'null'] },
        anything: {},
        either: { type: ['string', 'integer'] },
      });
      await h.sink.open(runInfo([spec]));
      await h.sink.prepareStream(spec);
      const types = await columnTypes(h, spec.name);
      expect(types.id).toMatch(/^bigint$/i);
      expect(types.name).toMatch(/^(varchar|text)$/i);
      expect(types.created).toMatch(/^timestamp with time zone$/i);
      expect(types.score).toMatch(/^double/i);
      expect(types.active).toMatch(/^boolean$/i);
      for (const json of ['attrs', 'tags', 'anything', 'either']) expect(types[json]).toMatch(/^jsonb?$/i);
      expect(types._cio_synced_at).toMatch(/^timestamp with time zone$/i);
      expect(types._cio_deleted_at).toMatch(/^timestamp with time zone$/i);

      const row = {
        id: 9007199254740991,
        name: 'Ada "Lovelace"\n\ttab\\slash',
        created: '2024-05-06T07:08:09.123456+02:00',
        score: -1.5e-7,
        active: false,
        attrs: { nested: { list: [1, 'two', null], flag: true }, quote: "it's" },
        tags: ['x', 2],
        anything: 'free text',
        either: 3,
      };
      const result = await h.sink.write(spec, [row], { last_completed_at: '2024-01-01T00:00:00Z' });
      expect(result).toEqual({ written: 1, unchanged: 0, coerced: 0 });
      const [stored] = await rows(h, spec.name);
      expect(stored).toMatchObject({ ...row, created: new Date('2024-05-06T05:08:09.123Z') });
      expect(stored?._cio_synced_at).toBeInstanceOf(Date);
      expect(stored?._cio_deleted_at).toBeNull();
      // Key columns refuse nulls whether or not the engine declares the primary key (DuckDB does not).
      await expect(
        h.query(`INSERT INTO ${q(spec.name)} (id, name) VALUES (NULL, 'no key')`),
      ).rejects.toThrow();
    });

    it('upserts by primary key: inserts, then updates in place', async () => {
      const h = await harness();
      const spec = streamSpec(uniqueName('upsert'), { id: ID, name: NAME });
      await h.sink.open(runInfo([spec]));
      await h.sink.prepareStream(spec);
      expect(
        await h.sink.write(
          spec,
          [
            { id: 1, name: 'a' },
            { id: 2, name: 'b' },
          ],
          {},
        ),
      ).toMatchObject({ written: 2 });
      expect(await h.sink.write(spec, [{ id: 1, name: 'A' }], {})).toMatchObject({
        written: 1,
        unchanged: 0,
      });
      expect((await rows(h, spec.name)).map((row) => [row.id, row.name])).toEqual([
        [1, 'A'],
        [2, 'b'],
      ]);
    });

    it('upserts by a composite primary key', async () => {
      const h = await harness();
      const spec = streamSpec(
        uniqueName('composite'),
        { kind: { type: 'string' }, id: ID, name: NAME },
        {
          primaryKey: ['kind', 'id'],
        },
      );
      await h.sink.open(runInfo([spec]));
      await h.sink.prepareStream(spec);
      await h.sink.write(
        spec,
        [
          { kind: 'a', id: 1, name: 'a1' },
          { kind: 'b', id: 1, name: 'b1' },
        ],
        {},
      );
      await h.sink.write(spec, [{ kind: 'a', id: 1, name: 'a1 again' }], {});
      const stored = await h.query(`SELECT kind, id, name FROM ${q(spec.name)} ORDER BY kind`);
      expect(stored).toEqual([
        { kind: 'a', id: 1, name: 'a1 again' },
        { kind: 'b', id: 1, name: 'b1' },
      ]);
    });

    it('merges a batch mixing stored and new keys, whichever way the stream is replicated', async () => {
      const h = await harness();
      const fields = { kind: { type: 'string' }, id: ID, name: NAME };
      const specs = [
        streamSpec(uniqueName('mixed_full'), fields, { primaryKey: ['kind', 'id'] }),
        streamSpec(uniqueName('mixed_incr'), fields, { primaryKey: ['kind', 'id'], method: 'incremental' }),
      ];
      await h.sink.open(runInfo(specs));
      for (const spec of specs) {
        await h.sink.prepareStream(spec);
        const first = [
          { kind: 'a', id: 1, name: 'a1' },
          { kind: 'a', id: 2, name: 'a2' },
        ];
        expect(await h.sink.write(spec, first, {})).toMatchObject({ written: 2, unchanged: 0 });
        const mixed = [
          { kind: 'a', id: 1, name: 'a1' },
          { kind: 'a', id: 2, name: 'a2 changed' },
          { kind: 'b', id: 1, name: 'b1' },
        ];
        // An unchanged stored row is rewritten only by a full-table stream.
        const rewritten = spec.method === 'incremental' ? 2 : 3;
        expect(await h.sink.write(spec, mixed, {})).toMatchObject({
          written: rewritten,
          unchanged: 3 - rewritten,
        });
        const stored = await h.query(`SELECT kind, id, name FROM ${q(spec.name)} ORDER BY kind, id`);
        expect(stored).toEqual([
          { kind: 'a', id: 1, name: 'a1' },
          { kind: 'a', id: 2, name: 'a2 changed' },
          { kind: 'b', id: 1, name: 'b1' },
        ]);
      }
    });

    it('deduplicates a batch by primary key, the last row winning', async () => {
      const h = await harness();
      const spec = streamSpec(uniqueName('dedupe'), { id: ID, name: NAME });
      await h.sink.open(runInfo([spec]));
      const result = await h.sink.write(
        spec,
        [
          { id: 1, name: 'first' },
          { id: 2, name: 'other' },
          { id: 1, name: 'last' },
        ],
        {},
      );
      expect(result.written).toBe(2);
      expect((await rows(h, spec.name)).map((row) => [row.id, row.name])).toEqual([
        [1, 'last'],
        [2, 'other'],
      ]);
    });

    it('does not rewrite unchanged rows of incremental streams (synced_at stays)', async () => {
      const h = await harness();
      const spec = streamSpec(
        uniqueName('incremental'),
        { id: ID, name: NAME, updated_at: TIME, meta: { type: 'object' }, score: { type: 'number' } },
        { method: 'incremental' },
      );
      const row = {
        id: 1,
        name: 'a',
        updated_at: '2024-01-01T00:00:00Z',
        meta: { b: [1, 2], a: 'x' },
        score: 0.1,
      };
      await h.sink.open(runInfo([spec]));
      await h.sink.write(spec, [row, { id: 2, name: 'b' }], {});
      const [before] = await rows(h, spec.name);
      await delay(5);
      expect(await h.sink.write(spec, [{ ...row }], {})).toEqual({ written: 0, unchanged: 1, coerced: 0 });
      const [after] = await rows(h, spec.name);
      expect(after?._cio_synced_at).toEqual(before?._cio_synced_at);

      await delay(5);
      const changed = await h.sink.write(
        spec,
        [
          { ...row, meta: { b: [1, 3], a: 'x' } },
          { id: 2, name: 'b' },
        ],
        {},
      );
      expect(changed).toEqual({ written: 1, unchanged: 1, coerced: 0 });
      const [rewritten] = await rows(h, spec.name);
      expect(rewritten?.meta).toEqual({ b: [1, 3], a: 'x' });
      expect(syncedAt(rewritten)).toBeGreaterThan(syncedAt(before));
    });

    it('always rewrites rows of full-table streams, refreshing synced_at', async () => {
      const h = await harness();
      const spec = streamSpec(uniqueName('full_rewrite'), { id: ID, name: NAME });
      await h.sink.open(runInfo([spec]));
      await h.sink.write(spec, [{ id: 1, name: 'a' }], {});
      const [before] = await rows(h, spec.name);
      await delay(5);
      expect(await h.sink.write(spec, [{ id: 1, name: 'a' }], {})).toEqual({
        written: 1,
        unchanged: 0,
        coerced: 0,
      });
      const [after] = await rows(h, spec.name);
      expect(syncedAt(after)).toBeGreaterThan(syncedAt(before));
    });

    it('marks rows a complete full-table read did not see as deleted, and clears the mark when they return', async () => {
      const h = await harness();
      const spec = streamSpec(uniqueName('deletions'), { id: ID, name: NAME });
      await h.sink.open(runInfo([spec]));
      await h.sink.write(spec, [{ id: 1 }, { id: 2 }, { id: 3 }], {});
      await delay(5);
      const readStartedAt = new Date();
      await delay(5);
      await h.sink.write(spec, [{ id: 1 }, { id: 3 }], {
        resume: { read_started_at: readStartedAt.toISOString(), position: 1 },
      });
      const done: StreamBookmark = { last_completed_at: new Date().toISOString() };
      expect(await h.sink.completeFullTable(spec, { readStartedAt }, done)).toBe(1);
      const saved = await h.query(`SELECT bookmark FROM _cio_state WHERE stream = '${spec.name}'`);
      expect(saved.map((row) => row.bookmark)).toEqual([done]);
      const marked = await rows(h, spec.name);
      expect(marked.map((row) => [row.id, row._cio_deleted_at instanceof Date])).toEqual([
        [1, false],
        [2, true],
        [3, false],
      ]);
      expect(await h.sink.completeFullTable(spec, { readStartedAt }, done)).toBe(0);

      const next: StreamBookmark = { resume: { read_started_at: new Date().toISOString(), position: 'p2' } };
      await h.sink.write(spec, [{ id: 2, name: 'back' }], next);
      const back = await rows(h, spec.name);
      expect(back.map((row) => [row.id, row._cio_deleted_at])).toEqual([
        [1, null],
        [2, null],
        [3, null],
      ]);
      await h.sink.close(outcome());
      const state = await h.sameDestination().open(runInfo([spec]));
      expect(state.bookmarks[spec.name]).toEqual(next);
    });

    it('keeps aged-out rows (time value before the window read) unmarked', async () => {
      const h = await harness();
      const spec = streamSpec(uniqueName('aged_out'), { id: ID, created: TIME });
      await h.sink.open(runInfo([spec]));
      await h.sink.write(
        spec,
        [
          { id: 1, created: '2020-01-01T00:00:00Z' },
          { id: 2, created: '2024-06-01T00:00:00Z' },
          { id: 3, created: null },
          { id: 4, created: '2023-01-01T00:00:00Z' },
        ],
        {},
      );
      await delay(5);
      const marked = await h.sink.completeFullTable(
        spec,
        {
          readStartedAt: new Date(),
          agedOutBefore: { column: 'created', before: new Date('2023-01-01T00:00:00Z') },
        },
        {},
      );
      expect(marked).toBe(3);
      expect((await rows(h, spec.name)).map((row) => [row.id, row._cio_deleted_at === null])).toEqual([
        [1, true],
        [2, false],
        [3, false],
        [4, false],
      ]);
    });

    it('adds columns when the schema gains properties, and for fields no schema declared', async () => {
      const h = await harness();
      const name = uniqueName('evolution');
      const v1 = streamSpec(name, { id: ID, name: NAME });
      const v2 = streamSpec(name, { id: ID, name: NAME, email: NAME, profile: { type: 'object' } });
      await h.sink.open(runInfo([v1]));
      await h.sink.prepareStream(v1);
      await h.sink.prepareStream(v1);
      await h.sink.write(v1, [{ id: 1, name: 'old' }], {});
      await h.sink.prepareStream(v2);
      await h.sink.prepareStream(v2);
      const columns = Object.keys(await columnTypes(h, name));
      expect(columns).toEqual(expect.arrayContaining(['email', 'profile']));
      await h.sink.write(v2, [{ id: 2, name: 'new', email: 'n@x.io', profile: { plan: 'pro' } }], {});
      await h.sink.write(v2, [{ id: 3, surprise: { deep: [1, { two: 2 }] }, count_seen: 7, note: 'hi' }], {});
      const stored = await rows(h, name);
      expect(stored[0]).toMatchObject({ id: 1, name: 'old', email: null, profile: null, surprise: null });
      expect(stored[1]).toMatchObject({ id: 2, email: 'n@x.io', profile: { plan: 'pro' } });
      expect(stored[2]).toMatchObject({
        id: 3,
        surprise: { deep: [1, { two: 2 }] },
        count_seen: 7,
        note: 'hi',
      });
      const types = await columnTypes(h, name);
      expect(types.surprise).toMatch(/^jsonb?$/i);
      expect(types.count_seen).toMatch(/^bigint$/i);
      expect(Object.keys(types)).toHaveLength(columns.length + 3);
    });

    it('keeps values that do not fit their column in <column>__raw and counts them', async () => {
      const h = await harness();
      const spec = streamSpec(uniqueName('mismatch'), {
        id: ID,
        count: { type: 'integer' },
        when: TIME,
        flag: { type: 'boolean' },
        label: { type: 'string' },
      });
      await h.sink.open(runInfo([spec]));
      const result = await h.sink.write(
        spec,
        [
          { id: 1, count: 'many', when: 'yesterday', flag: true, label: 42 },
          { id: 2, count: 2.5, when: 1700000000, flag: 'yes', label: 'fine' },
        ],
        {},
      );
      expect(result).toEqual({ written: 2, unchanged: 0, coerced: 6 });
      const raw = {
        count: await columnOf(h, spec.name, 'count', 'raw'),
        when: await columnOf(h, spec.name, 'when', 'raw'),
        flag: await columnOf(h, spec.name, 'flag', 'raw'),
        label: await columnOf(h, spec.name, 'label', 'raw'),
      };
      expect(raw).toEqual({ count: 'count__raw', when: 'when__raw', flag: 'flag__raw', label: 'label__raw' });
      const stored = await rows(h, spec.name);
      expect(stored[0]).toMatchObject({
        count: null,
        count__raw: 'many',
        when: null,
        when__raw: 'yesterday',
      });
      expect(stored[0]).toMatchObject({ flag: true, flag__raw: null, label: null, label__raw: 42 });
      expect(stored[1]).toMatchObject({ count: null, count__raw: 2.5, when: null, when__raw: 1700000000 });
      expect(stored[1]).toMatchObject({ flag: null, flag__raw: 'yes', label: 'fine', label__raw: null });

      const fits = await h.sink.write(
        spec,
        [{ id: 1, count: 5, when: '2024-01-01T00:00:00Z', flag: false }],
        {},
      );
      expect(fits.coerced).toBe(0);
      const [fixed] = await rows(h, spec.name);
      expect(fixed).toMatchObject({
        count: 5,
        count__raw: null,
        when: new Date('2024-01-01T00:00:00Z'),
        when__raw: null,
      });
    });

    it('commits rows and bookmark together: a failing merge leaves neither', async () => {
      const h = await harness();
      const spec = streamSpec(uniqueName('atomic'), { id: ID, name: NAME }, { method: 'incremental' });
      const first: StreamBookmark = {
        replication_key: 'updated_at',
        replication_key_value: '2024-01-01T00:00:00Z',
      };
      const second: StreamBookmark = {
        replication_key: 'updated_at',
        replication_key_value: '2024-02-02T00:00:00Z',
      };
      await h.sink.open(runInfo([spec]));
      await h.sink.write(spec, [{ id: 1, name: 'kept' }], first);
      // A constraint the sink does not know of makes the merge fail after staging went well.
      await h.query(`ALTER TABLE ${q(spec.name)} ALTER COLUMN name SET NOT NULL`);
      const failing = h.sink.write(
        spec,
        [
          { id: 2, name: 'lost' },
          { id: 3, name: null },
        ],
        second,
      );
      await expect(failing).rejects.toMatchObject({ code: 'CIO_ERR_DESTINATION_DATA', stream: spec.name });
      expect((await rows(h, spec.name)).map((row) => row.id)).toEqual([1]);
      const saved = await h.query(`SELECT bookmark FROM _cio_state WHERE stream = '${spec.name}'`);
      expect(saved.map((row) => row.bookmark)).toEqual([first]);
      // The sink stays usable after a failed batch.
      expect(await h.sink.write(spec, [{ id: 2, name: 'later' }], second)).toMatchObject({ written: 1 });
    });

    it('sets aside rows without a usable key in _cio_rejected_records, with their batch, once per record', async () => {
      const h = await harness();
      const spec = streamSpec(uniqueName('rejects'), { id: ID, name: NAME });
      await h.sink.open(runInfo([spec]));
      const page = [
        { id: 1, name: 'kept' },
        { id: { not: 'a number' }, name: 'odd key' },
        { id: null, name: 'no key' },
      ];
      const fromEngine = [{ record: { name: 'keyless' }, reason: 'primary key field "id" is missing' }];
      expect(await h.sink.write(spec, page, {}, fromEngine)).toEqual({
        written: 1,
        unchanged: 0,
        coerced: 0,
        rejected: 2,
      });
      await h.sink.write(spec, page, {}, fromEngine);
      expect((await rows(h, spec.name)).map((row) => row.id)).toEqual([1]);
      const stored = await h.query(
        `SELECT record_key, reason, record FROM _cio_rejected_records WHERE table_name = '${spec.name}' ORDER BY reason, record_key`,
      );
      expect(
        stored.map((row) => [String(row.record_key).slice(0, 7), row.reason, JSON.parse(String(row.record))]),
      ).toEqual([
        ['[{"not"', 'primary key field "id" does not fit its bigint column', page[1]],
        ['sha256:', 'primary key field "id" is missing', { name: 'keyless' }],
        ['sha256:', 'primary key field "id" is null', page[2]],
      ]);
    });

    it('stages pages until commit, which merges them with the bookmark of the last page staged', async () => {
      const h = await harness();
      const spec = streamSpec(uniqueName('staged'), { id: ID, name: NAME }, { method: 'incremental' });
      const stage = h.sink.stage?.bind(h.sink);
      const commit = h.sink.commit?.bind(h.sink);
      if (!stage || !commit) throw new Error(`${engineName}: a database sink stages pages`);
      const afterPage = (page: number): StreamBookmark => ({
        replication_key: 'updated_at',
        resume: { read_started_at: '2026-01-01T00:00:00.000Z', position: { cursor: `p${page}` } },
      });
      const savedPosition = async () => {
        const saved = await h.query(`SELECT bookmark FROM _cio_state WHERE stream = '${spec.name}'`);
        return (saved[0]?.bookmark as StreamBookmark | undefined)?.resume?.position;
      };
      await h.sink.open(runInfo([spec]));
      await h.sink.prepareStream(spec);
      await stage(
        spec,
        [
          { id: 1, name: 'a' },
          { id: 2, name: 'b' },
        ],
        afterPage(1),
      );
      await stage(spec, [], afterPage(2));
      await stage(spec, [{ id: 3, name: 'c' }], afterPage(3));
      expect(await rows(h, spec.name)).toEqual([]);
      expect(await savedPosition()).toBeUndefined();
      expect(await commit(spec)).toMatchObject({ written: 3, unchanged: 0 });
      expect(await savedPosition()).toEqual({ cursor: 'p3' });

      // A key staged twice: the batch holding the first is committed, so the later row wins.
      expect(await stage(spec, [{ id: 1, name: 'first' }], afterPage(4))).toMatchObject({ written: 0 });
      expect(await stage(spec, [{ id: 1, name: 'second' }], afterPage(5))).toMatchObject({ written: 1 });
      expect(await savedPosition()).toEqual({ cursor: 'p4' });
      // A field no column holds yet: the open batch is committed before the table grows.
      await stage(spec, [{ id: 2, name: 'b2' }], afterPage(6));
      expect(await stage(spec, [{ id: 4, name: 'd', extra: 'new' }], afterPage(7))).toMatchObject({
        written: 2,
      });
      expect(await savedPosition()).toEqual({ cursor: 'p6' });
      expect(await commit(spec)).toMatchObject({ written: 1 });
      expect(await savedPosition()).toEqual({ cursor: 'p7' });
      expect(await commit(spec)).toMatchObject({ written: 0 });
      const names = (await rows(h, spec.name)).map((row) => [row.id, row.name, row.extra]);
      expect(names).toEqual([
        [1, 'second', null],
        [2, 'b2', null],
        [3, 'c', null],
        [4, 'd', 'new'],
      ]);
    });

    it('drops a batch whose merge failed: its pages are not committed, later batches are', async () => {
      const h = await harness();
      const spec = streamSpec(uniqueName('dropped'), { id: ID, name: NAME });
      const stage = h.sink.stage?.bind(h.sink);
      const commit = h.sink.commit?.bind(h.sink);
      if (!stage || !commit) throw new Error(`${engineName}: a database sink stages pages`);
      await h.sink.open(runInfo([spec]));
      await h.sink.prepareStream(spec);
      // A constraint the sink does not know of makes the merge fail after staging went well.
      await h.query(`ALTER TABLE ${q(spec.name)} ALTER COLUMN name SET NOT NULL`);
      await stage(spec, [{ id: 1, name: 'lost' }], {});
      await stage(spec, [{ id: 3, name: null }], {});
      await expect(commit(spec)).rejects.toMatchObject({
        code: 'CIO_ERR_DESTINATION_DATA',
        stream: spec.name,
      });
      await stage(spec, [{ id: 2, name: 'kept' }], {});
      expect(await commit(spec)).toMatchObject({ written: 1 });
      expect((await rows(h, spec.name)).map((row) => row.id)).toEqual([2]);
    });

    it('open() returns the state saved by earlier runs', async () => {
      const h = await harness();
      const a = streamSpec(uniqueName('state_a'), { id: ID });
      const b = streamSpec(uniqueName('state_b'), { id: ID });
      const first = await h.sink.open(runInfo([a, b]));
      expect(first.bookmarks[a.name]).toBeUndefined();
      const bookmarkA: StreamBookmark = {
        replication_key: 'updated',
        replication_key_value: '2024-03-04T05:06:07Z',
      };
      const bookmarkB: StreamBookmark = {
        resume: { read_started_at: '2024-01-01T00:00:00Z', position: { next: 'abc' } },
      };
      await h.sink.write(a, [{ id: 1 }], bookmarkA);
      await h.sink.saveBookmark(b, bookmarkB);
      await h.sink.close(outcome());
      const again = await h.sink.open(runInfo([a, b]));
      expect(again.bookmarks[a.name]).toEqual(bookmarkA);
      expect(again.bookmarks[b.name]).toEqual(bookmarkB);
    });

    it('records each run in _cio_sync_runs', async () => {
      const h = await harness();
      const spec = streamSpec(uniqueName('runs'), { id: ID });
      const run = runInfo([spec]);
      await h.sink.open(run);
      const started = await h.query(`SELECT * FROM _cio_sync_runs WHERE run_id = '${run.runId}'`);
      expect(started).toEqual([
        {
          run_id: run.runId,
          started_at: run.startedAt,
          finished_at: null,
          status: 'running',
          streams: [spec.name],
          error: null,
        },
      ]);
      const finished: RunOutcome = {
        status: 'partial',
        finishedAt: new Date(),
        streams: {
          [spec.name]: { status: 'complete', rows: 3, requests: 2 },
          other: { status: 'failed', rows: 0, requests: 1, error: 'CIO_ERR_FORBIDDEN: missing scope' },
        },
      };
      await h.sink.close(finished);
      const [row] = await h.query(`SELECT * FROM _cio_sync_runs WHERE run_id = '${run.runId}'`);
      expect(row).toMatchObject({
        status: 'partial',
        finished_at: finished.finishedAt,
        streams: finished.streams,
      });
      expect(row?.error).toContain('other: CIO_ERR_FORBIDDEN: missing scope');
    });

    it('quotes awkward identifiers and keeps every field in its own column', async () => {
      const h = await harness();
      await h.query('CREATE TABLE IF NOT EXISTS x (a INTEGER)');
      const long = 'a'.repeat(100);
      const fields = [
        'we"ird',
        'semi;colon',
        'with space',
        'dot.ted',
        '"; DROP TABLE x; --',
        long,
        `${'a'.repeat(99)}b`,
        'Email',
        'email',
        'EMAIL',
        'ünïcödé_名前_🎉',
        "it's",
      ];
      const properties = Object.fromEntries(fields.map((field) => [field, NAME]));
      const name = uniqueName('odd "table"; --');
      const spec = streamSpec(
        name,
        { 'key with space': ID, ...properties },
        { primaryKey: ['key with space'] },
      );
      const row = Object.fromEntries(fields.map((field, index) => [field, `value ${index} of ${field}`]));
      await h.sink.open(runInfo([spec]));
      await h.sink.write(spec, [{ 'key with space': 1, ...row }], {});
      await h.sink.close(outcome());

      const again = h.sameDestination();
      await again.open(runInfo([spec]));
      const updated = Object.fromEntries(fields.map((field) => [field, `updated ${field}`]));
      await again.write(spec, [{ 'key with space': 1, ...updated }], {});
      const columns: string[] = [];
      for (const field of fields) columns.push(await columnOf(h, name, field));
      expect(new Set(columns).size).toBe(fields.length);
      expect(columns.slice(0, 5)).toEqual(fields.slice(0, 5));
      expect(columns[8]).toBe('email');
      const [stored] = await h.query(`SELECT * FROM ${q(name)}`);
      fields.forEach((field, index) => {
        expect(stored?.[columns[index] ?? ''], field).toBe(`updated ${field}`);
      });
      expect(Object.keys(await columnTypes(h, name))).toHaveLength(fields.length + 3);
      expect(await h.query('SELECT count(*) AS n FROM x')).toEqual([{ n: 0 }]);
    });

    it('refuses a second concurrent run on the same destination', async () => {
      const h = await harness();
      const spec = streamSpec(uniqueName('lock'), { id: ID });
      await h.sink.open(runInfo([spec]));
      const second = h.sameDestination();
      await expect(second.open(runInfo([spec]))).rejects.toMatchObject({
        code: 'CIO_ERR_DESTINATION',
        message: expect.stringMatching(/Another cio-sync run is using .*wait for it to finish/),
      });
      await second.close(outcome('failed'));
      await h.sink.close(outcome());
      await h.sink.close(outcome());
      await expect(second.open(runInfo([spec]))).resolves.toMatchObject({ bookmarks: expect.any(Object) });
      await second.close(outcome());
    });

    it('is claimed before it is opened: a second run is refused at its claim; counts a table', async () => {
      const h = await harness();
      const spec = streamSpec(uniqueName('claim'), { id: ID });
      await h.sink.open(runInfo([spec]));
      await h.sink.write(spec, [{ id: 1 }, { id: 2 }], {});
      expect(await h.sink.countRows?.(spec)).toBe(2);
      await h.sink.close(outcome());
      // The destination exists now: a claim takes it, and another run's claim fails at once.
      await h.sink.claim?.();
      const second = h.sameDestination();
      await expect(second.claim?.()).rejects.toMatchObject({
        code: 'CIO_ERR_DESTINATION',
        message: expect.stringMatching(/Another cio-sync run is using .*wait for it to finish/),
      });
      await second.close(outcome('failed'));
      // A claim never opened (the key was refused) is released by close.
      await h.sink.close(outcome('failed'));
      await second.claim?.();
      await expect(second.open(runInfo([spec]))).resolves.toMatchObject({ bookmarks: expect.any(Object) });
      expect(await second.countRows?.(spec)).toBe(2);
      await second.close(outcome());
    });

    it('refuses to work before open() and serialises concurrent writes', async () => {
      const h = await harness();
      const a = streamSpec(uniqueName('serial_a'), { id: ID, name: NAME });
      const b = streamSpec(uniqueName('serial_b'), { id: ID, name: NAME });
      await expect(h.sink.write(a, [{ id: 1 }], {})).rejects.toMatchObject({ code: 'CIO_ERR_INTERNAL' });
      await h.sink.open(runInfo([a, b]));
      const batches = [1, 2, 3].flatMap((n) => [
        h.sink.write(a, [{ id: n, name: `a${n}` }], { replication_key_value: String(n) }),
        h.sink.write(b, [{ id: n, name: `b${n}` }], { replication_key_value: String(n) }),
      ]);
      await Promise.all(batches);
      expect(await rows(h, a.name)).toHaveLength(3);
      expect(await rows(h, b.name)).toHaveLength(3);
      const saved = await h.query(`SELECT bookmark FROM _cio_state WHERE stream = '${b.name}'`);
      expect(saved).toEqual([{ bookmark: { replication_key_value: '3' } }]);
    });
  });
}
