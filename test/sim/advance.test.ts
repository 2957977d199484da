/** Time advance: updates bump timestamps, additions appear, deletions vanish, everywhere. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AdvanceResult,
  type GroundTruth,
  type JsonObject,
  type Simulator,
  SUPPRESSION_TYPES,
  startSimulator,
} from '../../src/sim/index.js';
import { allCustomers, call, obj, walkCursor, walkOffset } from './helpers.js';

function byKey(rows: JsonObject[], key: (r: JsonObject) => unknown): Map<string, JsonObject> {
  return new Map(rows.map((r) => [JSON.stringify(key(r)), r]));
}

interface Diff {
  updated: JsonObject[];
  added: JsonObject[];
  deleted: JsonObject[];
}

function diff(before: JsonObject[], after: JsonObject[], key: (r: JsonObject) => unknown): Diff {
  const b = byKey(before, key);
  const a = byKey(after, key);
  return {
    updated: [...a]
      .filter(([k, r]) => b.has(k) && JSON.stringify(b.get(k)) !== JSON.stringify(r))
      .map(([, r]) => r),
    added: [...a].filter(([k]) => !b.has(k)).map(([, r]) => r),
    deleted: [...b].filter(([k]) => !a.has(k)).map(([, r]) => r),
  };
}

describe('advance', () => {
  let sim: Simulator;
  let before: GroundTruth;
  let after: GroundTruth;
  let result: AdvanceResult;

  beforeAll(async () => {
    sim = await startSimulator({ rps: 0 });
    before = sim.truth();
    result = sim.advance({ seconds: 7200, updateFraction: 0.2, addFraction: 0.1, deleteFraction: 0.05 });
    after = sim.truth();
  });
  afterAll(() => sim.stop());

  it('moves now forward', () => {
    expect(result.epoch).toBe(1);
    expect(result.previousNow).toBe(1_767_225_600);
    expect(result.now).toBe(1_767_225_600 + 7200);
  });

  it.each([
    ['broadcasts', 'updated'],
    ['campaigns', 'updated'],
    ['newsletters', 'updated'],
    ['transactional', 'updated_at'],
    ['segments', 'updated_at'],
    ['exports', 'updated_at'],
    ['collections', 'updated_at'],
  ] as const)('%s: updated records carry %s = new now; added and deleted match the report', (name, field) => {
    const d = diff(before[name], after[name], (r) => r.id);
    const counts = result.changes[name]!;
    expect(d.updated.length).toBe(counts.updated);
    expect(d.added.length).toBe(counts.added);
    expect(d.deleted.length).toBe(counts.deleted);
    expect(counts.updated).toBeGreaterThan(0);
    expect(counts.added).toBeGreaterThan(0);
    expect(counts.deleted).toBeGreaterThan(0);
    for (const r of [...d.updated, ...d.added]) expect(r[field]).toBe(result.now);
    if ('deduplicate_id' in (after[name][0] ?? {})) {
      for (const r of d.updated) expect(r.deduplicate_id).toBe(`${String(r.id)}:${result.now}`);
    }
    // Nothing that was not touched moved past the old now.
    const untouched = after[name].filter((r) => !d.updated.includes(r) && !d.added.includes(r));
    for (const r of untouched) expect(r[field] as number).toBeLessThanOrEqual(result.previousNow);
  });

  it('snippets (keyed by name) and settings change too', () => {
    const d = diff(before.snippets, after.snippets, (r) => r.name);
    expect(d.updated.length).toBe(result.changes.snippets!.updated);
    for (const r of d.updated) expect(r.updated_at).toBe(result.now);
    const topics = diff(before.topics, after.topics, (r) => r.id);
    expect(topics.updated.length + topics.added.length + topics.deleted.length).toBeGreaterThan(0);
    expect(after.workspaces.map((w) => w.id)).toEqual(before.workspaces.map((w) => w.id));
    expect(after.ip_addresses).toEqual(before.ip_addresses);
  });

  it('messages: metrics recorded at the new now, new deliveries, deletions', () => {
    const d = diff(before.messages, after.messages, (r) => r.id);
    const counts = result.changes.messages!;
    expect([d.updated.length, d.added.length, d.deleted.length]).toEqual([
      counts.updated,
      counts.added,
      counts.deleted,
    ]);
    expect(counts.updated).toBeGreaterThan(100);
    expect(counts.added).toBe(250);
    expect(counts.deleted).toBeGreaterThan(20);
    for (const m of d.updated) {
      expect(Object.values(obj(m.metrics))).toContain(result.now);
      expect(m.deduplicate_id).toBe(`${String(m.id)}:${result.now}`);
    }
    for (const m of d.added) {
      expect(m.created as number).toBeGreaterThan(result.previousNow);
      expect(m.created as number).toBeLessThanOrEqual(result.now);
    }
    expect(after.messages.slice(0, d.added.length)).toEqual(
      d.added.sort((x, y) => (y.created as number) - (x.created as number)),
    );
  });

  it('customers: attribute timestamps bumped, people added and deleted', () => {
    const d = diff(before.customers, after.customers, (r) => obj(r.identifiers).cio_id);
    const counts = result.changes.customers!;
    expect([d.updated.length, d.added.length, d.deleted.length]).toEqual([
      counts.updated,
      counts.added,
      counts.deleted,
    ]);
    expect(counts.updated).toBeGreaterThan(50);
    expect(counts.added).toBe(60);
    expect(counts.deleted).toBeGreaterThan(5);
    for (const c of d.updated) {
      expect(obj(c.attributes).last_login).toBe(String(result.now));
      expect(Math.max(...Object.values(obj(c.timestamps)).map(Number))).toBe(result.now);
    }
    for (const c of d.added) expect(obj(c.attributes).created_at).toBe(String(obj(c.timestamps).created_at));
    expect(after.workspaces[0]!.people).toBe(after.customers.length);
  });

  it('activities log every change to people, at the new now, naming them', () => {
    const d = diff(before.customers, after.customers, (r) => obj(r.identifiers).cio_id);
    const cioIds = (people: JsonObject[]) => people.map((c) => String(obj(c.identifiers).cio_id)).sort();
    const logged = (type: string) =>
      after.activities
        .filter((a) => a.type === type && a.timestamp === result.now)
        .map((a) => String(obj(a.customer_identifiers).cio_id))
        .sort();
    expect(logged('profile_create')).toEqual(cioIds(d.added));
    expect(logged('attribute_change')).toEqual(cioIds(d.updated));
    expect(logged('profile_delete')).toEqual(cioIds(d.deleted));
    // Served newest first, type filter included, like every other activity.
    expect(after.activities[0]!.timestamp).toBe(result.now);
  });

  it('activities and suppressions: events are added and deleted, never edited', () => {
    const acts = diff(before.activities, after.activities, (r) => r.id);
    expect(acts.updated).toEqual([]);
    expect(acts.added.length).toBe(result.changes.activities!.added);
    expect(acts.deleted.length).toBe(result.changes.activities!.deleted);
    for (const type of SUPPRESSION_TYPES) {
      const d = diff(before.suppressions[type], after.suppressions[type], (r) => r.email);
      const counts = result.changes[`suppressions.${type}`]!;
      expect(d.updated).toEqual([]);
      expect([d.added.length, d.deleted.length]).toEqual([counts.added, counts.deleted]);
    }
  });

  it('the HTTP endpoints serve the new truth', async () => {
    expect((await walkCursor(sim, '/v1/messages', 'messages', { query: { limit: 1000 } })).records).toEqual(
      after.messages,
    );
    expect(
      (await walkCursor(sim, '/v1/activities', 'activities', { query: { limit: 100 } })).records,
    ).toEqual(after.activities);
    expect(await allCustomers(sim)).toEqual(after.customers);
    expect((await walkOffset(sim, '/v1/esp/suppression/bounces')).records).toEqual(
      after.suppressions.bounces,
    );
    expect(
      (await walkCursor(sim, '/v1/newsletters', 'newsletters', { query: { limit: 7 } })).records,
    ).toEqual(after.newsletters);
    expect(obj((await call(sim, '/v1/campaigns')).json).campaigns).toEqual(after.campaigns);
    expect(sim.unknownRoutes()).toEqual([]);
  });
});

describe('advance mid-walk, ageing out, control route, validation', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ rps: 0 });
  });
  afterAll(() => sim.stop());

  it('a cursor handed out before an advance still works after it, without duplicates', async () => {
    const first = obj((await call(sim, '/v1/messages', { query: { limit: 500 } })).json);
    sim.advance({ seconds: 60 });
    const rest = await walkCursor(sim, '/v1/messages', 'messages', {
      query: { limit: 500, start: String(first.next) },
    });
    const ids = [...(first.messages as JsonObject[]), ...(rest.records as JsonObject[])].map((m) => m.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('activities older than 30 days stop being served', async () => {
    const before = sim.truth().activities;
    const result = sim.advance({ seconds: 2 * 86_400, updateFraction: 0, addFraction: 0, deleteFraction: 0 });
    const after = sim.truth().activities;
    expect(after.length).toBeLessThan(before.length);
    expect(after.every((a) => (a.timestamp as number) >= result.now - 30 * 86_400)).toBe(true);
    const served = await walkCursor(sim, '/v1/activities', 'activities', { query: { limit: 100 } });
    expect(served.records).toEqual(after);
  });

  it('POST /__sim/advance drives the same machinery over HTTP', async () => {
    const now = sim.truth().messages[0]!.created as number;
    const res = await fetch(`${sim.url}/__sim/advance`, {
      method: 'POST',
      body: JSON.stringify({ seconds: 30, addFraction: 0.01 }),
    });
    const body = obj(await res.json());
    expect(body.epoch).toBe(3);
    expect(body.now as number).toBeGreaterThan(now);
    const truth = obj(await (await fetch(`${sim.url}/__sim/truth`)).json());
    expect(truth.messages).toEqual(sim.truth().messages);
    const bad = await fetch(`${sim.url}/__sim/advance`, { method: 'POST', body: '{"updateFraction": 2}' });
    expect(bad.status).toBe(400);
  });

  it('rejects nonsense', () => {
    expect(() => sim.advance({ seconds: -1 })).toThrow(RangeError);
    expect(() => sim.advance({ deleteFraction: 1.5 })).toThrow(RangeError);
  });
});
