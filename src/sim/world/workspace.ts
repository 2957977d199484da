/** Workspace resources: segments, exports, senders, webhooks, snippets, collections, topics, workspaces, object types. */
import { type CatalogSpec, dedup, revised } from './catalog.js';
import type { JsonObject } from './types.js';
import { SEGMENT_NAMES, TAGS, WEBHOOK_EVENTS } from './vocab.js';

/** The workspace resources, keyed by name (see CATALOG in catalog-tables.ts). */
export const WORKSPACE_LISTS = {
  segments: {
    path: '/v1/segments',
    item: { key: 'segment', noun: 'segment' },
    baseCount: 25,
    grows: true,
    make(ctx, k, created, updated, rng) {
      // The first four were created by one import: identical timestamps on purpose.
      const at = k < 4 ? ctx.start - 200 * 86_400 : undefined;
      const building = k % 9 === 8;
      const id = 7 + k;
      const record: JsonObject = {
        id,
        name: `${SEGMENT_NAMES[k % SEGMENT_NAMES.length]}${k >= SEGMENT_NAMES.length ? ` ${k + 1}` : ''}`,
        description: rng.chance(0.4) ? '' : 'People matching the conditions',
        type: k % 3 === 0 ? 'manual' : 'dynamic',
        state: building ? 'build' : 'finished',
        progress: building ? rng.int(1, 99) : null,
        tags: rng.chance(0.5) ? null : rng.sample(TAGS, rng.int(1, 2)),
        created_at: at ?? created,
        updated_at: at ?? updated,
        deduplicate_id: dedup(id, at ?? updated),
      };
      return record;
    },
    touch(record, now) {
      record.name = revised(record.name, now);
      record.updated_at = now;
      record.deduplicate_id = dedup(record.id, now);
    },
  },
  exports: {
    path: '/v1/exports',
    item: { key: 'export', noun: 'export' },
    baseCount: 10,
    grows: true,
    make(_ctx, k, created, updated, rng) {
      const id = 300 + k;
      const status =
        created === updated
          ? 'pending'
          : rng.weighted([
              ['done', 8],
              ['failed', 1],
            ] as const);
      return {
        id,
        type: rng.pick(['customers', 'deliveries']),
        status,
        failed: status === 'failed',
        total: status === 'done' ? rng.int(10, 50_000) : 0,
        downloads: status === 'done' ? rng.int(0, 5) : 0,
        description: rng.pick(['Monthly export', 'Deliveries for audit', 'Export für Buchhaltung']),
        user_id: rng.int(1, 20),
        user_email: `admin${rng.int(1, 3)}@example.com`,
        created_at: created,
        updated_at: updated,
        deduplicate_id: dedup(id, updated),
      };
    },
    touch(record, now, rng) {
      record.status = 'done';
      record.failed = false;
      record.total = rng.int(10, 50_000);
      record.downloads = (typeof record.downloads === 'number' ? record.downloads : 0) + 1;
      record.updated_at = now;
      record.deduplicate_id = dedup(record.id, now);
    },
  },
  sender_identities: {
    path: '/v1/sender_identities',
    // A page that has records always carries a cursor, so the list ends with one empty page whose
    // `next` is "" (reported against the live API).
    paging: { defaultLimit: 10, maxLimit: 1000, trailingEmptyPage: true },
    hidden: (record) => record.hidden === true,
    baseCount: 23,
    grows: true,
    make(_ctx, k, _created, updated, rng) {
      const id = 4534 + k;
      const phone = k % 8 === 6;
      const name = rng.pick(['Cher Ami', 'Support', 'Team Café ☕', 'Billing', 'Noreply', "O'Neil"]);
      const email = `${['hello', 'support', 'billing', 'team'][k % 4]}${k}@example.com`;
      const record: JsonObject = {
        id,
        name,
        email: phone ? null : email,
        address: phone ? `+1555000${String(1000 + k)}` : `${name} <${email}>`,
        template_type: phone ? 'phone' : 'email',
        auto_generated: k === 0,
        // Two hidden senders: listed only with hidden=true.
        hidden: k === 5 || k === 11,
        deduplicate_id: dedup(id, updated),
      };
      if (phone) record.phone = `+1555000${String(1000 + k)}`;
      return record;
    },
    touch(record, now) {
      record.name = revised(record.name, now);
      record.deduplicate_id = dedup(record.id, now);
    },
  },
  reporting_webhooks: {
    path: '/v1/reporting_webhooks',
    baseCount: 6,
    grows: true,
    make(_ctx, k, _created, _updated, rng) {
      return {
        id: 4 + k,
        name: `${rng.pick(['Data warehouse', 'my cool webhook', 'Alerts', 'Zapier'])} ${k + 1}`,
        // Some endpoints embed basic-auth credentials; loaders are expected to strip them.
        endpoint:
          k % 3 === 1
            ? `https://svc_user:s3cr3t-p%40ss@hooks.example.com/cio/${k}`
            : `https://hooks.example.com/webhook/${k}`,
        events: rng.sample(WEBHOOK_EVENTS, rng.int(1, 6)),
        disabled: k % 5 === 4,
        full_resolution: rng.chance(0.5),
        with_content: rng.chance(0.3),
        type: k % 4 === 3 ? 'js' : 'webhook',
      };
    },
    touch(record, now) {
      record.name = revised(record.name, now);
      record.disabled = !record.disabled;
    },
  },
  snippets: {
    path: '/v1/snippets',
    baseCount: 15,
    grows: true,
    make(_ctx, k, _created, updated, rng) {
      const names = ['address', 'footer', 'header', 'legal', 'social_links', 'unsubscribe', 'signature'];
      return {
        name: k < names.length ? names[k]! : `snippet_${k}`,
        value: rng.pick([
          '<strong>My Company</strong></br>1234 Fake St<br/>Fake,NY<br/>10111',
          '© 2026 Example GmbH — Impressum',
          '{{ customer.first_name | default: "there" }} 👋',
          '<a href="{% unsubscribe_url %}">Unsubscribe</a>',
        ]),
        updated_at: updated,
      };
    },
    touch(record, now) {
      record.value = `${String(record.value).replace(/ <!-- edited \d+ -->$/, '')} <!-- edited ${now} -->`;
      record.updated_at = now;
    },
  },
  collections: {
    path: '/v1/collections',
    baseCount: 4,
    fixedSize: true,
    grows: true,
    make(_ctx, k, created, updated, rng) {
      const rows = rng.int(2, 500);
      return {
        id: 1 + k,
        name: ['upcoming events', 'store locations', 'product catalog', 'coupon codes'][k % 4]!,
        bytes: rows * rng.int(40, 200),
        rows,
        schema: ['eventDate', 'eventName', 'presents'].slice(0, 1 + (k % 3)),
        created_at: created,
        updated_at: updated,
      };
    },
    touch(record, now, rng) {
      const rows = (typeof record.rows === 'number' ? record.rows : 0) + rng.int(1, 10);
      record.rows = rows;
      record.bytes = rows * 100;
      record.updated_at = now;
    },
  },
  topics: {
    path: '/v1/subscription_topics',
    baseCount: 6,
    fixedSize: true,
    grows: true,
    make(_ctx, k, _created, _updated, rng) {
      const id = 1 + k;
      return {
        id,
        identifier: `topic_${id}`,
        name: ['Product Updates', 'Newsletter', 'Promotions', 'Événements', 'Security alerts', 'Tips 💡'][
          k % 6
        ]!,
        description: rng.chance(0.3) ? '' : 'Emails about this topic',
        subscribed_by_default: rng.chance(0.6),
      };
    },
    touch(record, now) {
      record.name = revised(record.name, now);
    },
  },
  workspaces: {
    path: '/v1/workspaces',
    baseCount: 3,
    fixedSize: true,
    grows: false,
    make(_ctx, k, _created, _updated, rng) {
      const sent = rng.int(10_000, 500_000);
      return {
        id: 130_000 + k * 17,
        name: ['Production', 'Staging', 'Europe (EU)'][k % 3]!,
        messages_sent: sent,
        billable_messages_sent: Math.floor(sent * 0.75),
        people: rng.int(100, 30_000),
        objects: rng.int(0, 50),
        object_types: 3,
      };
    },
    touch(record, _now, rng) {
      const sent = (typeof record.messages_sent === 'number' ? record.messages_sent : 0) + rng.int(1, 1000);
      record.messages_sent = sent;
      record.billable_messages_sent = Math.floor(sent * 0.75);
    },
  },
  object_types: {
    path: '/v1/object_types',
    recordsKey: 'types',
    baseCount: 3,
    fixedSize: true,
    grows: true,
    make(_ctx, k) {
      const names = [
        ['Companies', 'Company', 'companies', 'company', 'building'],
        ['Accounts', 'Account', 'accounts', 'account', 'wallet'],
        ['Online classes', 'Online class', 'online-classes', 'online-class', 'graduation-cap'],
      ][k % 3]!;
      return {
        id: String(1 + k),
        name: k >= 3 ? `${names[0]} ${k}` : names[0]!,
        singular_name: names[1]!,
        slug: k >= 3 ? `${names[2]}-${k}` : names[2]!,
        singular_slug: names[3]!,
        icon: names[4]!,
        enabled: k !== 2,
      };
    },
    touch(record) {
      record.enabled = !record.enabled;
    },
  },
} satisfies Record<string, CatalogSpec>;

export const IP_ADDRESSES = [
  '35.188.196.183',
  '104.198.177.219',
  '104.154.232.87',
  '130.211.229.195',
  '104.198.221.24',
  '104.197.27.15',
  '35.194.9.154',
  '104.154.144.51',
  '104.197.210.12',
  '35.225.6.73',
  '34.70.35.218',
  '35.232.8.41',
] as const;
