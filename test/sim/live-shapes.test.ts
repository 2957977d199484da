/**
 * The live shapes (the default) against their spec counterparts, over loopback HTTP: one small
 * simulator per shape, same seed, so the same world answers both ways.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GroundTruth, type Simulator, startSimulator } from '../../src/sim/index.js';
import { arr, call, obj, walkCursor } from './helpers.js';

type Rec = Record<string, unknown>;

let live: Simulator;
let spec: Simulator;
let liveTruth: GroundTruth;
let specTruth: GroundTruth;

beforeAll(async () => {
  live = await startSimulator({ rps: 0, seed: 3, scale: 0.3 });
  spec = await startSimulator({ rps: 0, seed: 3, scale: 0.3, shapes: 'spec' });
  liveTruth = live.truth();
  specTruth = spec.truth();
});
afterAll(async () => {
  await live.stop();
  await spec.stop();
});

const EVERYONE = { filter: { and: [{ attribute: { field: 'cio_id', operator: 'exists' } }] } };
const NOBODY = { filter: { attribute: { field: 'email', operator: 'eq', value: 'nobody@nowhere.test' } } };

describe('sender identities: hidden ones', () => {
  it('truth holds every sender, each with a boolean hidden', () => {
    for (const truth of [liveTruth, specTruth]) {
      expect(truth.sender_identities.every((s) => typeof s.hidden === 'boolean')).toBe(true);
      expect(truth.sender_identities.some((s) => s.hidden === true)).toBe(true);
      expect(truth.sender_identities.some((s) => s.hidden === false)).toBe(true);
    }
  });

  it('live: without hidden the visible ones, with hidden=true only the hidden ones', async () => {
    const all = liveTruth.sender_identities;
    const visible = await walkCursor(live, '/v1/sender_identities', 'sender_identities');
    expect(visible.records).toEqual(all.filter((s) => s.hidden === false));
    const hidden = await walkCursor(live, '/v1/sender_identities', 'sender_identities', {
      query: { hidden: true },
    });
    expect(hidden.records).toEqual(all.filter((s) => s.hidden === true));
  });

  it('spec: hidden=true lists the hidden ones besides the visible', async () => {
    const all = specTruth.sender_identities;
    const visible = await walkCursor(spec, '/v1/sender_identities', 'sender_identities');
    expect(visible.records).toEqual(all.filter((s) => s.hidden === false));
    const everyone = await walkCursor(spec, '/v1/sender_identities', 'sender_identities', {
      query: { hidden: true },
    });
    expect(everyone.records).toEqual(all);
  });
});

describe('campaign attribute triggers', () => {
  const TRIGGER_FIELDS = ['object_attribute_triggers', 'relationship_attribute_triggers'];

  it('live: object and relationship campaigns carry their triggers as JSON text', async () => {
    const served = arr(obj((await call(live, '/v1/campaigns')).json).campaigns).map(obj);
    const triggered = served.filter((c) => 'object_attribute_triggers' in c);
    expect(triggered.length).toBeGreaterThanOrEqual(2);
    const nonEmpty = new Set<string>();
    for (const c of triggered) {
      expect(typeof c.filter_object_attributes).toBe('string');
      expect(typeof c.filter_relationship_attributes).toBe('string');
      for (const field of TRIGGER_FIELDS) {
        expect(typeof c[field]).toBe('string');
        const parsed = arr(JSON.parse(String(c[field])));
        for (const t of parsed) expect(typeof obj(t).field).toBe('string');
        if (parsed.length > 0) nonEmpty.add(field);
      }
    }
    expect([...nonEmpty].sort()).toEqual(TRIGGER_FIELDS);
    expect(served).toEqual(liveTruth.campaigns);
  });

  it('spec: the same triggers as JSON arrays', async () => {
    const served = arr(obj((await call(spec, '/v1/campaigns')).json).campaigns).map(obj);
    expect(served).toEqual(specTruth.campaigns);
    const liveById = new Map(liveTruth.campaigns.map((c) => [c.id, c]));
    for (const c of served.filter((r) => 'object_attribute_triggers' in r)) {
      for (const field of TRIGGER_FIELDS) {
        expect(Array.isArray(c[field])).toBe(true);
        expect(c[field]).toEqual(JSON.parse(String(liveById.get(c.id as number)?.[field])));
      }
    }
  });
});

describe('customers attributes', () => {
  const cio = (truth: GroundTruth, i: number) => String(obj(truth.customers[i]!.identifiers).cio_id);

  it('live: items are the people themselves; a cio_-prefixed id finds nobody, a bare one works', async () => {
    const res = await call(live, '/v1/customers/attributes', {
      query: { id_type: 'cio_id' },
      body: { ids: [`cio_${cio(liveTruth, 0)}`, cio(liveTruth, 1)] },
    });
    expect(res.json).toEqual({ customers: [liveTruth.customers[1]] });
    const prefixedOnly = await call(live, '/v1/customers/attributes', {
      query: { id_type: 'cio_id' },
      body: { ids: [`cio_${cio(liveTruth, 0)}`] },
    });
    expect(prefixedOnly.json).toEqual({ customers: null });
  });

  it('spec: items wrap the person in customer; the cio_ prefix is accepted', async () => {
    const res = await call(spec, '/v1/customers/attributes', {
      query: { id_type: 'cio_id' },
      body: { ids: [`cio_${cio(specTruth, 0)}`, cio(specTruth, 1)] },
    });
    expect(res.json).toEqual({
      customers: [{ customer: specTruth.customers[0] }, { customer: specTruth.customers[1] }],
    });
  });

  it('the people are the same in both', () => {
    expect(liveTruth.customers).toEqual(specTruth.customers);
  });
});

describe('empty lists', () => {
  const cases: [string, string, Rec?][] = [
    ['/v1/messages?drafts=true', 'messages'],
    ['/v1/messages?type=email&metric=unsubscribed', 'messages'],
    ['/v1/activities?type=no_such_type', 'activities'],
  ];

  it.each(cases)('%s: null live, [] in the spec', async (path, key) => {
    expect((await call(live, path)).json).toEqual({ [key]: null, next: '' });
    expect((await call(spec, path)).json).toEqual({ [key]: [], next: '' });
  });

  it('customers search with no match: identifiers and ids null live, [] in the spec', async () => {
    expect((await call(live, '/v1/customers', { body: NOBODY })).json).toEqual({
      identifiers: null,
      ids: null,
      next: '',
    });
    expect((await call(spec, '/v1/customers', { body: NOBODY })).json).toEqual({
      identifiers: [],
      ids: [],
      next: '',
    });
  });

  it('suppressions past the end: {"suppressions": null} live, category and [] in the spec', async () => {
    const path = '/v1/esp/suppression/spam_reports';
    expect((await call(live, path, { query: { offset: 100_000 } })).json).toEqual({ suppressions: null });
    expect((await call(spec, path, { query: { offset: 100_000 } })).json).toEqual({
      category: 'spam',
      suppressions: [],
    });
  });

  it('sender identities end with a trailing empty page: null live, [] in the spec', async () => {
    const l = await walkCursor(live, '/v1/sender_identities', 'sender_identities', {
      query: { limit: 1000 },
    });
    expect(l.pages.at(-1)).toEqual({ sender_identities: null, next: '' });
    const s = await walkCursor(spec, '/v1/sender_identities', 'sender_identities', {
      query: { limit: 1000 },
    });
    expect(s.pages.at(-1)).toEqual({ sender_identities: [], next: '' });
  });
});

describe('field drift in messages and activities', () => {
  const messages = () => liveTruth.messages;

  it('live: transactional deliveries carry transactional_message_id', () => {
    const transactionalIds = new Set(liveTruth.transactional.map((t) => t.id));
    const withId = messages().filter((m) => 'transactional_message_id' in m);
    expect(withId.length).toBeGreaterThan(5);
    for (const m of withId) {
      expect(transactionalIds.has(m.transactional_message_id as number)).toBe(true);
      expect([m.campaign_id, m.broadcast_id, m.newsletter_id]).toEqual([null, null, null]);
    }
  });

  it('live: some metrics carry secondary:* keys, some customer_identifiers are null', () => {
    const metrics = messages().map((m) => obj(m.metrics));
    const secondary = metrics.filter((m) => 'secondary:delivered' in m);
    expect(secondary.length).toBeGreaterThan(5);
    for (const m of secondary) expect(m['secondary:delivered']).toBe(m.delivered);
    expect(metrics.filter((m) => 'secondary:sent' in m).length).toBeGreaterThan(5);
    expect(messages().filter((m) => m.customer_identifiers === null).length).toBeGreaterThan(2);
  });

  it('live: activities carry data.opened as a unix timestamp', () => {
    const opened = liveTruth.activities.filter(
      (a) => a.type === 'opened_email' || a.type === 'clicked_email',
    );
    expect(opened.length).toBeGreaterThan(0);
    for (const a of opened) expect(Number.isInteger(obj(a.data).opened)).toBe(true);
  });

  it('spec: none of it; opened is a boolean', () => {
    const m = specTruth.messages;
    expect(m.some((r) => 'transactional_message_id' in r)).toBe(false);
    expect(m.some((r) => Object.keys(obj(r.metrics)).some((k) => k.startsWith('secondary:')))).toBe(false);
    expect(m.some((r) => r.customer_identifiers === null)).toBe(false);
    const opened = specTruth.activities.filter((a) => a.type === 'opened_email');
    expect(opened.length).toBeGreaterThan(0);
    for (const a of opened) expect(obj(a.data).opened).toBe(true);
  });

  it('live: the drifted records are served as the truth holds them', async () => {
    const picks = [
      messages().find((m) => 'transactional_message_id' in m),
      messages().find((m) => m.customer_identifiers === null),
      messages().find((m) => 'secondary:delivered' in obj(m.metrics)),
    ];
    for (const m of picks) {
      const res = await call(live, `/v1/messages/${encodeURIComponent(String(m?.id))}`);
      expect(res.json).toEqual({ message: m });
    }
    const walk = await walkCursor(live, '/v1/messages', 'messages', { query: { limit: 1000 } });
    expect(walk.records).toEqual(messages());
    const acts = await walkCursor(live, '/v1/activities', 'activities', { query: { limit: 100 } });
    expect(acts.records).toEqual(liveTruth.activities);
  });
});

describe('cursor tokens', () => {
  /** `next` tokens of the first pages of the messages feed, 10 per page. */
  async function tokens(sim: Simulator, pages: number): Promise<string[]> {
    const out: string[] = [];
    let start: string | undefined;
    for (let n = 0; n < pages; n++) {
      const res = await call(sim, '/v1/messages', { query: { limit: 10, ...(start ? { start } : {}) } });
      start = String(obj(res.json).next);
      out.push(start);
    }
    return out;
  }

  it('live: standard base64 with padding, each holding + or /', async () => {
    const live5 = await tokens(live, 5);
    for (const t of live5) expect(t).toMatch(/^[A-Za-z0-9+/]+=+$/);
    expect(live5.every((t) => /[+/]/.test(t))).toBe(true);
    for (const t of await tokens(spec, 5)) expect(t).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it('live: a token sent raw (its + read as a space) is 400; URL-encoded it works', async () => {
    let start: string | undefined;
    let token: string | undefined;
    for (let n = 0; n < 50 && token === undefined; n++) {
      const res = await call(live, '/v1/messages', { query: { limit: 10, ...(start ? { start } : {}) } });
      start = String(obj(res.json).next);
      if (start.includes('+')) token = start;
    }
    if (token === undefined) throw new Error('no token with a + in 50 pages');
    const headers = { authorization: `Bearer ${live.token}` };
    const raw = await fetch(`${live.url}/v1/messages?limit=10&start=${token}`, { headers });
    expect(raw.status).toBe(400);
    const encoded = await fetch(`${live.url}/v1/messages?limit=10&start=${encodeURIComponent(token)}`, {
      headers,
    });
    expect(encoded.status).toBe(200);
    expect(arr(obj(await encoded.json()).messages)).toHaveLength(10);
  });
});

it('refuses unknown shapes and worlds', async () => {
  await expect(startSimulator({ shapes: 'json' as 'live' })).rejects.toThrow(/shapes: json/);
  await expect(startSimulator({ world: 'full' as 'empty' })).rejects.toThrow(/world: full/);
});

describe('the empty world', () => {
  let empty: Simulator;
  let emptySpec: Simulator;
  beforeAll(async () => {
    empty = await startSimulator({ rps: 0, world: 'empty' });
    emptySpec = await startSimulator({ rps: 0, world: 'empty', shapes: 'spec' });
  });
  afterAll(async () => {
    await empty.stop();
    await emptySpec.stop();
  });

  /** Every list of the truth, suppressions flattened, with its length. */
  function lengths(truth: GroundTruth): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [key, value] of Object.entries(truth)) {
      if (Array.isArray(value)) out[key] = value.length;
      else for (const [type, rows] of Object.entries(obj(value))) out[`${key}.${type}`] = arr(rows).length;
    }
    return out;
  }

  const LISTS: [string, string][] = [
    ['/v1/broadcasts', 'broadcasts'],
    ['/v1/transactional', 'messages'],
    ['/v1/campaigns', 'campaigns'],
    ['/v1/segments', 'segments'],
    ['/v1/exports', 'exports'],
    ['/v1/reporting_webhooks', 'reporting_webhooks'],
    ['/v1/snippets', 'snippets'],
    ['/v1/collections', 'collections'],
    ['/v1/subscription_topics', 'topics'],
    ['/v1/workspaces', 'workspaces'],
    ['/v1/object_types', 'types'],
    ['/v1/info/ip_addresses', 'ip_addresses'],
  ];
  const PAGED: [string, string][] = [
    ['/v1/newsletters', 'newsletters'],
    ['/v1/sender_identities', 'sender_identities'],
    ['/v1/sender_identities?hidden=true', 'sender_identities'],
    ['/v1/messages', 'messages'],
    ['/v1/activities', 'activities'],
  ];

  it('ground truth: every list empty', () => {
    const sizes = lengths(empty.truth());
    expect(Object.keys(sizes).length).toBeGreaterThan(15);
    expect(Object.values(sizes).every((n) => n === 0)).toBe(true);
    expect(emptySpec.truth()).toEqual(empty.truth());
  });

  it.each(LISTS)('%s: null live, [] in the spec', async (path, key) => {
    expect((await call(empty, path)).json).toEqual({ [key]: null });
    expect((await call(emptySpec, path)).json).toEqual({ [key]: [] });
  });

  it.each(PAGED)('%s: one page, null live, [] in the spec', async (path, key) => {
    expect((await call(empty, path)).json).toEqual({ [key]: null, next: '' });
    expect((await call(emptySpec, path)).json).toEqual({ [key]: [], next: '' });
  });

  it('people and suppressions', async () => {
    expect((await call(empty, '/v1/customers', { body: EVERYONE })).json).toEqual({
      identifiers: null,
      ids: null,
      next: '',
    });
    expect((await call(emptySpec, '/v1/customers', { body: EVERYONE })).json).toEqual({
      identifiers: [],
      ids: [],
      next: '',
    });
    const ids = { ids: ['1000', '1001'] };
    expect((await call(empty, '/v1/customers/attributes', { body: ids })).json).toEqual({ customers: null });
    expect((await call(emptySpec, '/v1/customers/attributes', { body: ids })).json).toEqual({
      customers: [],
    });
    for (const type of ['blocks', 'bounces', 'spam_reports', 'invalid_emails']) {
      const path = `/v1/esp/suppression/${type}`;
      expect((await call(empty, path)).json).toEqual({ suppressions: null });
      expect(obj((await call(emptySpec, path)).json).suppressions).toEqual([]);
    }
  });

  it('advance works, and the truth stays what is served', async () => {
    const result = empty.advance({ seconds: 3600 });
    expect(result.epoch).toBe(1);
    const truth = empty.truth();
    expect(Object.values(lengths(truth)).every((n) => n === 0)).toBe(true);
    expect((await call(empty, '/v1/messages')).json).toEqual({ messages: null, next: '' });
    expect((await call(empty, '/v1/campaigns')).json).toEqual({ campaigns: null });
  });
});
