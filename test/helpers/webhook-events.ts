import { createHmac } from 'node:crypto';
import { request } from 'node:http';

/**
 * The tests' own copy of the reporting-webhook contract (docs/customerio-beyond.md H.2, H.4): every
 * object type with its metrics and the fields each metric adds to `data`.
 */
const RECIPIENT = { recipient: 'person@example.com' };
const FAILURE = { failure_message: 'mailbox full' };
const LINK = { href: 'https://example.com/a?b=c', link_id: 3 };
const DEVICES = { recipients: [{ device_id: 'dev-1', device_platform: 'android' }] };
const FAILED_DEVICES = {
  recipients: [{ device_id: 'dev-1', device_platform: 'ios', failure_message: 'token expired' }],
};
const SUBJECT = { subject: 'Ünïcødé 🎉 subject', ...RECIPIENT };

export const CHANNEL_METRICS: Record<string, Record<string, Record<string, unknown>>> = {
  email: {
    drafted: SUBJECT,
    attempted: FAILURE,
    sent: { ...SUBJECT, content: '<p>hi</p>', headers: { 'X-Campaign': ['a', 'b'] } },
    delivered: SUBJECT,
    opened: { ...SUBJECT, proxied: true, prefetched: false, synthetic: false },
    clicked: { ...SUBJECT, ...LINK, machine: true },
    converted: SUBJECT,
    unsubscribed: SUBJECT,
    bounced: { ...SUBJECT, ...FAILURE },
    dropped: { ...SUBJECT, ...FAILURE },
    spammed: SUBJECT,
    failed: { subject: 'x', ...FAILURE },
    undeliverable: { ...SUBJECT, ...FAILURE },
  },
  push: {
    // The spec's push_drafted declares its metric as `attempted`; a real sender may send `drafted`.
    drafted: {},
    attempted: FAILURE,
    sent: { content: '{"title":"hi"}', ...DEVICES },
    delivered: DEVICES,
    opened: DEVICES,
    clicked: { ...LINK, ...DEVICES },
    converted: DEVICES,
    bounced: FAILED_DEVICES,
    dropped: FAILED_DEVICES,
    failed: FAILURE,
    undeliverable: FAILURE,
  },
  sms: channel([
    'drafted',
    'attempted',
    'sent',
    'delivered',
    'clicked',
    'converted',
    'bounced',
    'failed',
    'undeliverable',
    'replied',
  ]),
  whatsapp: channel([
    'drafted',
    'attempted',
    'sent',
    'delivered',
    'opened',
    'clicked',
    'converted',
    'bounced',
    'dropped',
    'failed',
    'undeliverable',
    'replied',
  ]),
  slack: channel(['drafted', 'attempted', 'sent', 'clicked', 'failed', 'undeliverable']),
  webhook: channel(['drafted', 'attempted', 'sent', 'clicked', 'failed', 'undeliverable']),
  in_app: {
    ...channel(['drafted', 'attempted', 'sent', 'clicked', 'converted', 'failed', 'undeliverable']),
    opened: {},
    clicked: { ...RECIPIENT, ...LINK, tracked_response: 'Accept' },
  },
};

function channel(metrics: readonly string[]): Record<string, Record<string, unknown>> {
  const fields: Record<string, Record<string, unknown>> = {
    drafted: {},
    attempted: FAILURE,
    sent: { content: 'Your code is 1234 — ✓', ...RECIPIENT },
    clicked: { ...RECIPIENT, ...LINK },
    replied: { inbound_event_id: 'in-1', to: '+15550000000', ...RECIPIENT },
    failed: FAILURE,
    undeliverable: FAILURE,
    bounced: { ...FAILURE, ...RECIPIENT },
    dropped: { ...FAILURE, ...RECIPIENT },
  };
  return Object.fromEntries(metrics.map((metric) => [metric, fields[metric] ?? RECIPIENT]));
}

const CUSTOMER_METRICS = ['subscribed', 'unsubscribed', 'cio_subscription_preferences_changed'];

/** The parent blocks of H.3: API-triggered broadcast, campaign, newsletter, transactional. */
function parent(branch: number, n: number): Record<string, unknown> {
  const identifiers = { id: `${n}`, email: `p${n}@example.com`, cio_id: `cio${n}` };
  const common = { delivery_id: `RPIL${n}==`, identifiers, customer_id: `${n}` };
  switch (branch % 4) {
    case 0:
      return {
        ...common,
        trigger_id: n,
        broadcast_id: 9,
        action_id: 42,
        journey_id: '01GW20GXAAXBKZD8J96M8FNV3R',
      };
    case 1:
      // The shared example gives journey_id as an integer; ids may come as strings of digits.
      return {
        ...common,
        campaign_id: '7',
        action_id: 11,
        parent_action_id: 10,
        journey_id: 15,
        trigger_event_id: null,
      };
    case 2:
      return { ...common, newsletter_id: 3, content_id: 5 };
    default:
      return { ...common, transactional_message_id: 4 };
  }
}

export interface TestEvent {
  eventId: string;
  body: string;
  event: Record<string, unknown>;
}

/**
 * `count` distinct events cycling through every object type and metric and every parent block, with
 * unicode, an unknown field every fifth event, the spec's `object_type_type` typo, and (when
 * `bigContent`) one `content` of about 1 MB.
 */
export function eventSet(count: number, prefix: string, bigContent = true): TestEvent[] {
  const combos: [string, string, Record<string, unknown>][] = [];
  for (const [objectType, metrics] of Object.entries(CHANNEL_METRICS)) {
    for (const [metric, fields] of Object.entries(metrics)) combos.push([objectType, metric, fields]);
  }
  for (const metric of CUSTOMER_METRICS) combos.push(['customer', metric, {}]);
  combos.push(['email', 'subscribed', {}]);
  const events: TestEvent[] = [];
  for (let n = 0; n < count; n++) {
    const [objectType, metric, fields] = combos[n % combos.length]!;
    const data: Record<string, unknown> =
      objectType === 'customer' || metric === 'subscribed'
        ? {
            customer_id: `${n}`,
            email_address: n % 2 === 0 ? `p${n}@example.com` : null,
            identifiers: { id: `${n}`, email: null, cio_id: `cio${n}` },
            ...(metric === 'cio_subscription_preferences_changed'
              ? { content: '{"topics":{"topic_1":true}}', ...parent(1, n) }
              : {}),
          }
        : { ...parent(n, n), ...fields };
    if (n % 5 === 0) data.brand_new_field = n % 10 === 0 ? `nouveau ${n} ✨` : `plain ${n}`;
    if (bigContent && n === 1) data.content = `${'x'.repeat(1024 * 1024 - 10)}-ünïcødé`;
    const eventId = `${prefix}${String(n).padStart(6, '0')}`;
    const typo = metric === 'cio_subscription_preferences_changed';
    const event = {
      event_id: eventId,
      [typo ? 'object_type_type' : 'object_type']: objectType,
      metric,
      timestamp: 1_700_000_000 + n,
      data,
    };
    events.push({ eventId, body: JSON.stringify(event), event });
  }
  return events;
}

export function sign(key: string, timestamp: string, body: string | Buffer): string {
  return createHmac('sha256', key).update(`v0:${timestamp}:`).update(body).digest('hex');
}

export function signedHeaders(
  key: string,
  body: string | Buffer,
  timestamp = '1700000000',
): Record<string, string> {
  return {
    'x-cio-timestamp': timestamp,
    'x-cio-signature': sign(key, timestamp, body),
    'content-type': 'application/json',
  };
}

export interface Answer {
  status: number;
  body: string;
}

/** POSTs `body` with node:http; `chunked`: no Content-Length, written in pieces. */
export function post(
  url: string,
  body: string | Buffer,
  headers: Record<string, string>,
  opts: { chunked?: boolean } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    const bytes = Buffer.from(body);
    if (opts.chunked) {
      for (let at = 0; at < bytes.length; at += 64 * 1024) req.write(bytes.subarray(at, at + 64 * 1024));
      req.end();
    } else {
      req.setHeader('content-length', bytes.length);
      req.end(bytes);
    }
  });
}

/** Sends `events` over `connections` concurrent sequential senders; returns the answers by event id. */
export async function sendAll(
  url: string,
  key: string,
  events: readonly TestEvent[],
  connections: number,
): Promise<Map<string, number[]>> {
  const answers = new Map<string, number[]>();
  let next = 0;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (next < events.length) {
        const event = events[next++]!;
        const response = await fetch(url, {
          method: 'POST',
          body: event.body,
          headers: signedHeaders(key, event.body),
        });
        await response.arrayBuffer();
        answers.set(event.eventId, [...(answers.get(event.eventId) ?? []), response.status]);
      }
    }),
  );
  return answers;
}
