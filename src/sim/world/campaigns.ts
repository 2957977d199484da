/** Messaging resources: broadcasts, transactional templates, campaigns, newsletters. */
import { type CatalogSpec, dedup, revised } from './catalog.js';
import type { Rng } from './prng.js';
import type { Json, JsonObject, Shapes } from './types.js';
import { CAMPAIGN_NAMES, EVENT_NAMES, NEWSLETTER_NAMES, TAGS } from './vocab.js';

const ACTION_TYPES = ['email', 'email', 'email', 'push', 'sms', 'webhook', 'slack'] as const;

function actions(rng: Rng, firstId: number, count: number): JsonObject[] {
  const out: JsonObject[] = [];
  for (let a = 0; a < count; a++) out.push({ id: firstId + a, type: rng.pick(ACTION_TYPES) });
  return out;
}

function tags(rng: Rng, max: number): string[] {
  return rng.sample(TAGS, rng.int(0, max));
}

/** The attribute changes that start an object- or relationship-triggered campaign. */
function attributeTriggers(rng: Rng): JsonObject[] {
  const fields = ['plan', 'status', 'seats', 'renewal_date'];
  return rng.sample(fields, rng.int(1, 2)).map((field) => ({
    field,
    operator: rng.pick(['changed', 'eq', 'exists']),
    value: field === 'plan' ? 'enterprise' : '',
    type_id: '1',
  }));
}

/**
 * Trigger lists are JSON text live (a string holding the array); the vendor types them as JSON
 * (the spec shape serves the array itself).
 */
function triggerValue(shapes: Shapes, triggers: JsonObject[]): Json {
  return shapes === 'live' ? JSON.stringify(triggers) : triggers;
}

const CAMPAIGN_VARIANTS = ['segment', 'event', 'date', 'form', 'webhook', 'object', 'relationship'] as const;

/** The messaging resources, keyed by name (see CATALOG in catalog-tables.ts). */
export const CAMPAIGN_LISTS = {
  broadcasts: {
    path: '/v1/broadcasts',
    item: { key: 'broadcast', noun: 'broadcast' },
    baseCount: 12,
    grows: true,
    make(_ctx, k, created, updated, rng) {
      const id = 2 + k * 3;
      const running = k % 4 !== 1;
      const acts = actions(rng, 190 + k * 10, rng.int(1, 3));
      const record: JsonObject = {
        id,
        name: `${rng.pick(['Flash sale', 'Price drop', 'Back in stock', 'Service notice'])} #${k + 1}`,
        type: 'triggered_broadcast',
        state: running ? 'running' : 'draft',
        active: running,
        created,
        updated,
        first_started: running ? created + 60 : 0,
        deduplicate_id: dedup(id, updated),
        tags: tags(rng, 2),
        actions: acts,
        msg_template_ids: acts,
      };
      // One record carries a field the documentation does not list; loaders must keep it.
      if (k === 1) record.audience_size = 1234;
      return record;
    },
    touch(record, now) {
      record.name = revised(record.name, now);
      record.updated = now;
      record.deduplicate_id = dedup(record.id, now);
    },
  },
  transactional: {
    path: '/v1/transactional',
    recordsKey: 'messages',
    item: { key: 'message', noun: 'transactional message' },
    baseCount: 8,
    grows: true,
    make(_ctx, k, created, updated, rng) {
      return {
        id: 1 + k,
        name: rng.pick([
          'Password reset',
          'Order confirmation',
          'Magic link',
          'Invoice',
          'Réservation confirmée',
        ]),
        description: k % 3 === 0 ? '' : 'Sent by the API',
        send_to_unsubscribed: rng.chance(0.7),
        link_tracking: rng.chance(0.5),
        open_tracking: rng.chance(0.5),
        hide_message_body: rng.chance(0.1),
        queue_drafts: rng.chance(0.1),
        created_at: created,
        updated_at: updated,
      };
    },
    touch(record, now) {
      record.name = revised(record.name, now);
      record.updated_at = now;
    },
  },
  campaigns: {
    path: '/v1/campaigns',
    item: { key: 'campaign', noun: 'campaign' },
    baseCount: 30,
    grows: true,
    make(ctx, k, created, updated, rng) {
      const id = 5 + k;
      const variant = CAMPAIGN_VARIANTS[k % CAMPAIGN_VARIANTS.length]!;
      const state =
        k === 0
          ? 'running'
          : rng.weighted([
              ['running', 6],
              ['draft', 2],
              ['stopped', 2],
            ] as const);
      const record: JsonObject = {
        id,
        name: `${rng.pick(CAMPAIGN_NAMES)} ${k + 1}`,
        description: rng.chance(0.5) ? '' : 'Automated journey',
        state,
        active: state === 'running',
        created,
        updated,
        first_started: state === 'draft' ? 0 : created + 120,
        deduplicate_id: dedup(id, updated),
        tags: tags(rng, 3),
        actions: actions(rng, 250 + k * 20, rng.int(1, 5)),
        filter_segment_ids: rng.chance(0.5) ? [21, 42].slice(0, rng.int(1, 2)) : [],
      };
      // `type` is deprecated (sunset March 2025): some records no longer carry it.
      if (k % 5 !== 4) record.type = variant;
      switch (variant) {
        case 'segment':
          record.trigger_segment_ids = [7 + (k % 10)];
          break;
        case 'event':
          record.event_name = rng.pick(EVENT_NAMES);
          break;
        case 'date':
          record.date_attribute = 'created_at';
          record.frequency = rng.pick(['once', 'monthly', 'yearly']);
          record.start_hour = rng.int(0, 23);
          record.start_minutes = rng.pick([0, 15, 30, 45]);
          record.timezone = rng.pick(['UTC', 'Europe/Berlin', 'America/New_York']);
          record.use_customer_timezone = rng.chance(0.5);
          break;
        case 'webhook':
          record.webhook_id = 100 + k;
          break;
        case 'object':
        case 'relationship': {
          record.object_type_id = 1;
          record.audience = { type: rng.int(0, 1), person_filters: null, relationship_filters: null };
          record.filter_object_attributes = JSON.stringify({
            and: [{ field: 'plan', operator: 'eq', value: 'pro' }],
          });
          record.filter_relationship_attributes = '{}';
          const triggers = attributeTriggers(rng);
          const none: JsonObject[] = [];
          const [objectTriggers, relationshipTriggers] =
            variant === 'object' ? [triggers, none] : [none, triggers];
          record.object_attribute_triggers = triggerValue(ctx.shapes, objectTriggers);
          record.relationship_attribute_triggers = triggerValue(ctx.shapes, relationshipTriggers);
          break;
        }
        default:
          break;
      }
      if (k % 6 === 0) record.created_by = 'ops@example.com';
      return record;
    },
    touch(record, now, rng) {
      record.name = revised(record.name, now);
      record.updated = now;
      record.deduplicate_id = dedup(record.id, now);
      if (record.state === 'running' && rng.chance(0.3)) {
        record.state = 'stopped';
        record.active = false;
      }
    },
  },
  newsletters: {
    path: '/v1/newsletters',
    paging: { defaultLimit: 50, maxLimit: 1000, trailingEmptyPage: false },
    item: { key: 'newsletter', noun: 'newsletter' },
    baseCount: 120,
    grows: true,
    make(_ctx, k, created, updated, rng) {
      const id = 128_000 + k * 7;
      const sent = created !== updated && rng.chance(0.8);
      const record: JsonObject = {
        id,
        name: `${rng.pick(NEWSLETTER_NAMES)} ${k + 1}`,
        type: rng.weighted([
          ['email', 8],
          ['push', 1],
          ['in_app', 1],
        ] as const),
        created,
        updated,
        sent_at: sent ? updated : null,
        content_ids: [400 + k * 3, ...(rng.chance(0.3) ? [401 + k * 3] : [])],
        recipient_segment_ids: rng.sample([7, 8, 9, 42, 99], rng.int(0, 2)),
        subscription_topic_id: rng.int(1, 6),
        tags: tags(rng, 2),
        deduplicate_id: dedup(id, updated),
      };
      // Seen by Airbyte, absent from the vendor schema.
      if (k % 10 === 3) record.expires_after = 3 * 86_400;
      return record;
    },
    touch(record, now) {
      record.name = revised(record.name, now);
      record.updated = now;
      record.deduplicate_id = dedup(record.id, now);
    },
  },
} satisfies Record<string, CatalogSpec>;
