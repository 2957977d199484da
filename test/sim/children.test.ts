import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type JsonObject, type Simulator, startSimulator } from '../../src/sim/index.js';
import { call } from './helpers.js';

/** The child endpoints (docs/customerio-beyond.md 0.1, A to D), over loopback HTTP. */
let sim: Simulator;

beforeAll(async () => {
  sim = await startSimulator({ rps: 0, seed: 3, scale: 0.3 });
});

afterAll(async () => {
  await sim?.stop();
});

const ids = (list: unknown) => (list as JsonObject[]).map((r) => r.id as number);
const pairs = (list: unknown, parent: string, child = 'id') =>
  new Set((list as JsonObject[]).map((r) => `${String(r[parent])}:${String(r[child])}`));

describe('the child endpoints of the simulator', () => {
  it('answers a missing parent with the structured 404 "not found"', async () => {
    for (const path of [
      '/v1/campaigns/999999/actions',
      '/v1/broadcasts/999999/actions',
      '/v1/broadcasts/999999/triggers',
      '/v1/newsletters/999999/contents',
      '/v1/newsletters/999999/test_groups',
      '/v1/segments/999999/membership',
      '/v1/segments/999999/used_by',
    ]) {
      const res = await call(sim, path);
      expect(res.status, path).toBe(404);
      expect(res.json, path).toEqual({
        errors: [{ detail: expect.stringMatching(/^not found \(reference \w+\)$/), status: '404' }],
      });
    }
    expect(sim.unknownRoutes()).toEqual([]);
  });

  it('pages campaign actions 10 at a time with string ids, refusing a start minted for another campaign', async () => {
    const campaigns = ids(sim.truth().campaigns);
    const paged = campaigns.find((id) => id % 4 === 1) as number;
    const first = await call(sim, `/v1/campaigns/${paged}/actions`);
    const body = first.json as { actions: JsonObject[]; next: string };
    expect(body.actions).toHaveLength(10);
    expect(body.actions.every((a) => typeof a.id === 'string' && /^\d+$/.test(a.id))).toBe(true);
    expect(body.next).not.toBe('');
    const second = await call(sim, `/v1/campaigns/${paged}/actions`, { query: { start: body.next } });
    expect(second.status).toBe(200);
    expect((second.json as { next: string }).next).toBe('');
    const other = campaigns.find((id) => id !== paged) as number;
    const foreign = await call(sim, `/v1/campaigns/${other}/actions`, { query: { start: body.next } });
    expect(foreign.status).toBe(400);
  });

  it('refuses start on broadcast actions, and sends null for empty lists', async () => {
    const broadcast = ids(sim.truth().broadcasts)[0] as number;
    expect((await call(sim, `/v1/broadcasts/${broadcast}/actions`)).status).toBe(200);
    expect(
      (await call(sim, `/v1/broadcasts/${broadcast}/actions`, { query: { start: 'MDox' } })).status,
    ).toBe(400);
    const empty = ids(sim.truth().segments).find((id) => id % 6 === 0) as number;
    const members = await call(sim, `/v1/segments/${empty}/membership`);
    expect(members.json).toEqual({ segment_id: empty, ids: null, identifiers: null, next: '' });
    const single = (sim.truth().newsletters as JsonObject[]).find(
      (n) => (n.content_ids as unknown[]).length === 1,
    );
    const groups = await call(sim, `/v1/newsletters/${String(single?.id)}/test_groups`);
    expect(groups.json).toEqual({ test_groups: null });
  });

  it('serves deliveries that name real actions and contents', () => {
    const truth = sim.truth();
    const actions = pairs(truth.campaign_actions, 'campaign_id');
    const contents = pairs(truth.newsletter_contents, 'newsletter_id');
    const messages = truth.messages as JsonObject[];
    const fromCampaigns = messages.filter((m) => m.campaign_id != null);
    const fromNewsletters = messages.filter((m) => m.newsletter_id != null);
    expect(fromCampaigns.length).toBeGreaterThan(0);
    expect(fromNewsletters.length).toBeGreaterThan(0);
    for (const m of fromCampaigns)
      expect(actions).toContain(`${String(m.campaign_id)}:${String(m.action_id)}`);
    for (const m of fromNewsletters) {
      expect(contents).toContain(`${String(m.newsletter_id)}:${String(m.content_id)}`);
    }
  });

  it('adds, changes and deletes children on advance, and drops those of deleted parents', () => {
    const before = sim.truth();
    const result = sim.advance({ seconds: 3600, updateFraction: 0.2, addFraction: 0.2, deleteFraction: 0.2 });
    const after = sim.truth();
    const gone = ids(before.campaigns).filter((id) => !ids(after.campaigns).includes(id));
    expect(gone.length).toBeGreaterThan(0);
    const actionsAfter = after.campaign_actions as JsonObject[];
    expect(actionsAfter.some((a) => gone.includes(a.campaign_id as number))).toBe(false);
    const added = ids(after.campaigns).filter((id) => !ids(before.campaigns).includes(id));
    for (const id of added) expect(actionsAfter.some((a) => a.campaign_id === id)).toBe(true);
    expect(result.changes.children?.updated).toBeGreaterThan(0);
    const key = (r: JsonObject) => JSON.stringify(r);
    for (const table of ['campaign_actions', 'broadcast_triggers', 'newsletter_contents'] as const) {
      const old = new Set((before[table] as JsonObject[]).map(key));
      const now = new Set((after[table] as JsonObject[]).map(key));
      expect(
        [...now].some((r) => !old.has(r)),
        `${table}: something changed or was added`,
      ).toBe(true);
      expect(
        [...old].some((r) => !now.has(r)),
        `${table}: something changed or was deleted`,
      ).toBe(true);
    }
  });

  it('lists objects per type through the search, with attributes and related people per object', async () => {
    const type = String((sim.truth().object_types as JsonObject[])[0]?.id);
    const filter = { and: [{ object_attribute: { field: 'object_id', operator: 'exists', type_id: type } }] };
    const first = await call(sim, '/v1/objects', {
      body: { object_type_id: type, filter },
      query: { limit: 1 },
    });
    const page = first.json as { identifiers: JsonObject[]; ids: string[]; next: string };
    expect(page.identifiers).toHaveLength(1);
    expect(page.ids).toEqual(page.identifiers.map((i) => i.object_id));
    expect(page.next).not.toBe('');
    const objectId = String(page.ids[0]);
    const attributes = await call(sim, `/v1/objects/${type}/${objectId}/attributes`);
    expect(attributes.json).toMatchObject({
      object: { object_type_id: type, attributes: expect.any(Object) },
    });
    const related = await call(sim, `/v1/objects/${type}/${objectId}/relationships`);
    expect(related.status).toBe(200);
    const missing = await call(sim, `/v1/objects/${type}/no-such-object/attributes`);
    expect(missing.status).toBe(404);
    const objects = (sim.truth().objects as JsonObject[]).filter((o) => o.object_type_id === type);
    expect(objects.map((o) => o.object_id)).toContain(objectId);
  });
});
