/**
 * Field names and JSON types of every record in the spec shapes, checked against
 * docs/customerio-app-api.md (the live shapes' differences: live-shapes.test.ts).
 * Specs are written here from the document (not from the simulator): 'int' = JSON integer,
 * 'ts' = integer unix seconds, a leading '?' = optional field, '|null' = nullable, an array of
 * strings = enum.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GroundTruth, type Simulator, SUPPRESSION_TYPES, startSimulator } from '../../src/sim/index.js';
import { arr, call, obj } from './helpers.js';

type Spec = Record<string, string | readonly string[]>;

function typeOk(type: string, value: unknown): boolean {
  switch (type) {
    case 'int':
      return Number.isInteger(value);
    case 'ts':
      return (
        Number.isInteger(value) && (value as number) > 1_000_000_000 && (value as number) < 2_000_000_000
      );
    case 'string':
      return typeof value === 'string';
    case 'bool':
      return typeof value === 'boolean';
    case 'null':
      return value === null;
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    case 'array':
      return Array.isArray(value);
    case 'string[]':
      return Array.isArray(value) && value.every((v) => typeof v === 'string');
    case 'int[]':
      return Array.isArray(value) && value.every((v) => Number.isInteger(v));
    case 'ts-map':
      return typeOk('object', value) && Object.values(value as object).every((v) => typeOk('ts', v));
    case 'string-map':
      return typeOk('object', value) && Object.values(value as object).every((v) => typeof v === 'string');
    case 'int-map':
      return typeOk('object', value) && Object.values(value as object).every((v) => Number.isInteger(v));
    default:
      throw new Error(`unknown type ${type}`);
  }
}

/** Problems with one record, as readable strings. */
function check(record: unknown, spec: Spec): string[] {
  const problems: string[] = [];
  const r = obj(record);
  for (const [rawKey, type] of Object.entries(spec)) {
    const optional = rawKey.startsWith('?');
    const key = optional ? rawKey.slice(1) : rawKey;
    if (!(key in r)) {
      if (!optional) problems.push(`missing ${key}`);
      continue;
    }
    const value = r[key];
    const ok = Array.isArray(type)
      ? (type as readonly string[]).includes(value as string)
      : (type as string).split('|').some((t) => typeOk(t, value));
    if (!ok) problems.push(`${key}=${JSON.stringify(value)} is not ${String(type)}`);
  }
  return problems;
}

const actionRef = 'array';
const SPECS: Record<string, Spec> = {
  broadcasts: {
    id: 'int',
    name: 'string',
    type: ['triggered_broadcast'],
    state: ['running', 'draft'],
    active: 'bool',
    created: 'ts',
    updated: 'ts',
    first_started: 'int',
    deduplicate_id: 'string',
    tags: 'string[]',
    actions: actionRef,
    msg_template_ids: actionRef,
  },
  transactional: {
    id: 'int',
    name: 'string',
    description: 'string',
    send_to_unsubscribed: 'bool',
    link_tracking: 'bool',
    open_tracking: 'bool',
    hide_message_body: 'bool',
    queue_drafts: 'bool',
    created_at: 'ts',
    updated_at: 'ts',
  },
  campaigns: {
    id: 'int',
    name: 'string',
    description: 'string',
    state: ['running', 'draft', 'stopped'],
    active: 'bool',
    created: 'ts',
    updated: 'ts',
    first_started: 'int',
    deduplicate_id: 'string',
    tags: 'string[]',
    actions: actionRef,
    filter_segment_ids: 'int[]',
    '?type': ['segment', 'event', 'form', 'date', 'relationship', 'object', 'webhook'],
    '?event_name': 'string',
    '?frequency': ['once', 'monthly', 'yearly'],
    '?webhook_id': 'int',
    '?object_type_id': 'int',
    '?filter_object_attributes': 'string',
    '?filter_relationship_attributes': 'string',
    '?object_attribute_triggers': 'array',
    '?relationship_attribute_triggers': 'array',
    '?trigger_segment_ids': 'int[]',
  },
  newsletters: {
    id: 'int',
    name: 'string',
    type: ['email', 'webhook', 'twilio', 'push', 'in_app', 'inbox'],
    created: 'ts',
    updated: 'ts',
    sent_at: 'ts|null',
    content_ids: 'int[]',
    recipient_segment_ids: 'int[]',
    subscription_topic_id: 'int',
    tags: 'string[]',
    deduplicate_id: 'string',
  },
  segments: {
    id: 'int',
    name: 'string',
    description: 'string',
    type: ['dynamic', 'manual'],
    state: ['events', 'build', 'events_queued', 'build_queued', 'finished'],
    progress: 'int|null',
    tags: 'string[]|null',
    created_at: 'ts',
    updated_at: 'ts',
    deduplicate_id: 'string',
  },
  exports: {
    id: 'int',
    type: ['customers', 'deliveries'],
    status: ['done', 'pending', 'failed'],
    failed: 'bool',
    total: 'int',
    downloads: 'int',
    description: 'string',
    user_id: 'int',
    user_email: 'string',
    created_at: 'ts',
    updated_at: 'ts',
    deduplicate_id: 'string',
  },
  messages: {
    id: 'string',
    deduplicate_id: 'string',
    created: 'ts',
    type: ['email', 'webhook', 'twilio', 'push', 'in_app', 'slack', 'whatsapp', 'live_notification'],
    recipient: 'string',
    subject: 'string|null',
    customer_id: 'string|null',
    customer_identifiers: 'object',
    campaign_id: 'int|null',
    broadcast_id: 'int|null',
    newsletter_id: 'int|null',
    action_id: 'int',
    parent_action_id: 'int|null',
    content_id: 'int|null',
    trigger_event_id: 'string|null',
    failure_message: 'string|null',
    forgotten: 'bool',
    metrics: 'ts-map',
  },
  activities: {
    id: 'string',
    type: 'string',
    timestamp: 'ts',
    customer_id: 'string|null',
    customer_identifiers: 'object',
    '?delivery_id': 'string',
    '?delivery_type': ['ios', 'android', 'email', 'phone'],
    '?name': 'string',
    '?url': 'string',
    '?data': 'object',
  },
  sender_identities: {
    id: 'int',
    name: 'string',
    email: 'string|null',
    address: 'string',
    template_type: ['email', 'phone'],
    auto_generated: 'bool',
    hidden: 'bool',
    deduplicate_id: 'string',
    '?phone': 'string',
  },
  reporting_webhooks: {
    id: 'int',
    name: 'string',
    endpoint: 'string',
    events: 'string[]',
    disabled: 'bool',
    full_resolution: 'bool',
    with_content: 'bool',
    type: ['webhook', 'js'],
  },
  snippets: { name: 'string', value: 'string', updated_at: 'ts' },
  collections: {
    id: 'int',
    name: 'string',
    bytes: 'int',
    rows: 'int',
    schema: 'string[]',
    created_at: 'ts',
    updated_at: 'ts',
  },
  topics: {
    id: 'int',
    identifier: 'string',
    name: 'string',
    description: 'string',
    subscribed_by_default: 'bool',
  },
  workspaces: {
    id: 'int',
    name: 'string',
    messages_sent: 'int',
    billable_messages_sent: 'int',
    people: 'int',
    objects: 'int',
    object_types: 'int',
  },
  object_types: {
    id: 'string',
    name: 'string',
    singular_name: 'string',
    slug: 'string',
    singular_slug: 'string',
    icon: 'string',
    enabled: 'bool',
  },
  suppressions: { email: 'string', created: 'ts', reason: 'string', status: 'string' },
  customers: {
    id: 'string|null',
    identifiers: 'object',
    attributes: 'string-map',
    timestamps: 'int-map',
    unsubscribed: 'bool',
    devices: 'array',
  },
};
const IDENTIFIERS: Spec = { id: 'string|null', email: 'string|null', cio_id: 'string' };
const DEVICE: Spec = {
  id: 'string',
  platform: ['ios', 'android'],
  last_used: 'ts',
  '?attributes': 'string-map',
};

let sim: Simulator;
let truth: GroundTruth;
beforeAll(async () => {
  sim = await startSimulator({ rps: 0, shapes: 'spec' });
  truth = sim.truth();
});
afterAll(() => sim.stop());

/** The lists whose record shapes the API document gives (SPECS), suppressions apart. */
const LISTS = Object.keys(SPECS).filter((name) => name !== 'suppressions') as (keyof GroundTruth)[];

describe('record fields match the API facts', () => {
  it('the checker itself rejects wrong types, missing fields and values outside an enum', () => {
    expect(
      check(
        { id: '1', state: 'paused', at: 12 },
        { id: 'int', state: ['running'], at: 'ts', name: 'string' },
      ),
    ).toEqual(['id="1" is not int', 'state="paused" is not running', 'at=12 is not ts', 'missing name']);
  });

  it.each(LISTS)('%s', (name) => {
    const records = truth[name] as Record<string, unknown>[];
    expect(records.length).toBeGreaterThan(0);
    const problems = records.flatMap((r, i) => check(r, SPECS[name]!).map((p) => `#${i}: ${p}`));
    expect(problems.slice(0, 10)).toEqual([]);
  });

  it.each(SUPPRESSION_TYPES)('suppressions.%s', (type) => {
    const problems = truth.suppressions[type].flatMap((r) => check(r, SPECS.suppressions!));
    expect(problems.slice(0, 10)).toEqual([]);
  });

  it('nested identifiers and devices', () => {
    const nested = [
      ...truth.messages.map((m) => m.customer_identifiers),
      ...truth.activities.map((a) => a.customer_identifiers),
      ...truth.customers.map((c) => c.identifiers),
    ];
    expect(nested.flatMap((n) => check(n, IDENTIFIERS)).slice(0, 10)).toEqual([]);
    const devices = truth.customers.flatMap((c) => arr(c.devices));
    expect(devices.length).toBeGreaterThan(0);
    expect(devices.flatMap((d) => check(d, DEVICE)).slice(0, 10)).toEqual([]);
  });

  it('ip_addresses are plain strings', () => {
    expect(truth.ip_addresses.every((ip) => /^\d{1,3}(\.\d{1,3}){3}$/.test(ip))).toBe(true);
  });

  it('deduplicate_id is "<id>:<unix ts>" and ids are unique', () => {
    for (const name of [
      'broadcasts',
      'campaigns',
      'newsletters',
      'segments',
      'exports',
      'messages',
    ] as const) {
      for (const r of truth[name])
        expect(String(r.deduplicate_id)).toMatch(
          new RegExp(`^${String(r.id).replace(/[+=]/g, '\\$&')}:\\d{10}$`),
        );
      const ids = truth[name].map((r) => r.id);
      expect(new Set(ids).size).toBe(ids.length);
    }
  });
});

describe('the awkward data a loader must survive', () => {
  it('people without id, without email, unicode and emoji, odd attribute keys, SQL text', () => {
    const attrs = truth.customers.map((c) => obj(c.attributes));
    expect(attrs.some((a) => /[^ -~]/.test(String(a.first_name)))).toBe(true);
    expect(
      attrs.some((a) => /\p{Extended_Pictographic}/u.test(`${String(a.first_name)}${String(a.last_name)}`)),
    ).toBe(true);
    const keys = new Set(attrs.flatMap((a) => Object.keys(a)));
    expect([...keys]).toEqual(
      expect.arrayContaining(['favorite color', 'address.city', 'nick"name', "it's ok"]),
    );
    expect(attrs.some((a) => a.notes === "'; DROP TABLE x; --")).toBe(true);
    expect(truth.customers.some((c) => c.id === null && obj(c.identifiers).email === null)).toBe(true);
    // cio_ids that a careless loader would turn into numbers.
    const cio = truth.customers.map((c) => String(obj(c.identifiers).cio_id));
    expect(cio).toEqual(expect.arrayContaining(['30e00001', '00012345']));
  });

  it('records with fields the documentation does not list', () => {
    expect(truth.broadcasts.some((b) => 'audience_size' in b)).toBe(true);
    expect(truth.newsletters.some((n) => 'expires_after' in n)).toBe(true);
  });

  it('identical timestamps across records', () => {
    const created = truth.messages.map((m) => m.created);
    expect(new Set(created).size).toBeLessThan(created.length);
    const segs = truth.segments.map((s) => s.updated_at);
    expect(new Set(segs).size).toBeLessThan(segs.length);
  });

  it('webhook endpoints with user:pass@ credentials; collections present', () => {
    expect(truth.reporting_webhooks.some((w) => /\/\/[^/@]+:[^/@]+@/.test(String(w.endpoint)))).toBe(true);
    expect(truth.collections.length).toBeGreaterThan(0);
  });

  it('messages span about six months, activities about 30 days', () => {
    const now = 1_767_225_600;
    const oldestMessage = Math.min(...truth.messages.map((m) => m.created as number));
    expect(now - oldestMessage).toBeGreaterThan(150 * 86_400);
    expect(now - oldestMessage).toBeLessThanOrEqual(180 * 86_400);
    const oldestActivity = Math.min(...truth.activities.map((a) => a.timestamp as number));
    expect(now - oldestActivity).toBeGreaterThan(25 * 86_400);
    expect(now - oldestActivity).toBeLessThanOrEqual(30 * 86_400);
  });

  it('the first workspace counts the people the API serves', async () => {
    const res = obj((await call(sim, '/v1/workspaces')).json);
    expect(obj(arr(res.workspaces)[0]).people).toBe(truth.customers.length);
  });
});
