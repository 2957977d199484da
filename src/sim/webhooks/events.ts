/**
 * Customer.io reporting-webhook events (docs/customerio-beyond.md H) for the simulated world's
 * deliveries: one event per metric a delivery reached, at that metric's time, with `delivery_id` =
 * the message's id. Written from the webhook facts, not from the connector.
 */
import type { JsonObject } from '../world/types.js';

/** An event as sent: its id and the exact body signed. */
export interface WebhookEvent {
  eventId: string;
  timestamp: number;
  body: string;
}

/** The App API's delivery `type` -> the webhook's `object_type` (Twilio WhatsApp reports as sms). */
const OBJECT_TYPE: Record<string, string> = {
  email: 'email',
  twilio: 'sms',
  whatsapp: 'whatsapp',
  push: 'push',
  in_app: 'in_app',
  slack: 'slack',
  webhook: 'webhook',
};

/** Metrics of a delivery's `metrics` map that have no webhook event of their own. */
const NOT_SENT = new Set(['human_opened', 'human_clicked']);

/** Event ids: ULID-shaped (26 Crockford base-32 characters), time-ordered, unique per (seed, index). */
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

function eventId(timestamp: number, seed: number, index: number): string {
  let time = '';
  let ms = timestamp * 1000;
  for (let i = 0; i < 10; i++) {
    time = CROCKFORD[ms % 32] + time;
    ms = Math.floor(ms / 32);
  }
  let tail = '';
  let n = BigInt(index) * 7919n + BigInt(seed >>> 0) * 1_000_003n;
  for (let i = 0; i < 16; i++) {
    tail = CROCKFORD[Number(n % 32n)] + tail;
    n /= 32n;
  }
  return time + tail;
}

/** The common parent block of `data` (H.3): campaign, broadcast or newsletter. */
function parentBlock(message: JsonObject): JsonObject {
  const data: JsonObject = {
    delivery_id: message.id ?? null,
    identifiers: message.customer_identifiers ?? { id: message.customer_id ?? null },
    customer_id: message.customer_id ?? '',
  };
  if (message.newsletter_id != null) {
    data.newsletter_id = message.newsletter_id;
    if (message.content_id != null) data.content_id = message.content_id;
  } else if (message.broadcast_id != null) {
    data.broadcast_id = message.broadcast_id;
    data.trigger_id = Number(message.broadcast_id) * 100 + 1;
    data.action_id = message.action_id ?? null;
  } else {
    data.campaign_id = message.campaign_id ?? null;
    data.action_id = message.action_id ?? null;
    if (message.parent_action_id != null) data.parent_action_id = message.parent_action_id;
    data.trigger_event_id = message.trigger_event_id ?? null;
    data.journey_id = `01GW20GXAAXBKZD8J96M8F${String(message.action_id ?? 0).padStart(4, '0')}`;
  }
  return data;
}

/** The fields a channel's metric adds (H.4). */
function metricFields(objectType: string, metric: string, message: JsonObject): JsonObject {
  const fields: JsonObject = {};
  const failure = message.failure_message ?? 'the provider refused the message';
  if (objectType === 'push') {
    const device = { device_id: `device-${String(message.customer_id)}`, device_platform: 'ios' };
    if (['attempted', 'failed', 'undeliverable'].includes(metric)) return { failure_message: failure };
    fields.recipients = ['bounced', 'dropped'].includes(metric)
      ? [{ ...device, failure_message: failure }]
      : [device];
  } else if (
    !(objectType === 'in_app' && metric === 'opened') &&
    !['drafted', 'attempted', 'failed'].includes(metric)
  ) {
    fields.recipient = message.recipient ?? null;
  }
  if (objectType === 'email' && metric !== 'attempted') fields.subject = message.subject ?? '';
  if (['attempted', 'bounced', 'dropped', 'failed', 'undeliverable'].includes(metric)) {
    fields.failure_message = failure;
  }
  if (metric === 'clicked') {
    fields.href = 'https://example.com/offer?utm_source=customerio';
    fields.link_id = 1 + (String(message.id).charCodeAt(0) % 9);
    if (objectType === 'email') fields.machine = false;
    if (objectType === 'in_app') fields.tracked_response = 'Accept';
  }
  if (metric === 'opened' && objectType === 'email')
    Object.assign(fields, { proxied: false, prefetched: false });
  if (metric === 'sent') fields.content = `Hello from delivery ${String(message.id)} ✉`;
  if (metric === 'replied') {
    Object.assign(fields, { inbound_event_id: `in-${String(message.id)}`, to: '+15550000000' });
  }
  return fields;
}

/**
 * Every event the world's deliveries produced, oldest first, plus a subscription change per few
 * deliveries (object_type `customer`, or the channel that caused it).
 */
export function webhookEvents(messages: readonly JsonObject[], seed = 1): WebhookEvent[] {
  const drafts: { timestamp: number; event: JsonObject }[] = [];
  for (const message of messages) {
    const objectType = OBJECT_TYPE[String(message.type)];
    const metrics = message.metrics;
    if (
      objectType === undefined ||
      metrics === null ||
      typeof metrics !== 'object' ||
      Array.isArray(metrics)
    ) {
      continue;
    }
    for (const [metric, at] of Object.entries(metrics)) {
      if (metric.includes(':') || NOT_SENT.has(metric) || typeof at !== 'number') continue;
      const data = { ...parentBlock(message), ...metricFields(objectType, metric, message) };
      drafts.push({ timestamp: at, event: { object_type: objectType, metric, data } });
    }
    if (objectType === 'email' && typeof metrics.clicked === 'number' && String(message.id).endsWith('=')) {
      const identifiers = message.customer_identifiers as JsonObject | undefined;
      drafts.push({
        timestamp: (metrics.clicked as number) + 60,
        event: {
          object_type: 'email',
          metric: 'unsubscribed',
          data: {
            customer_id: message.customer_id ?? '',
            email_address: identifiers?.email ?? null,
            identifiers: identifiers ?? {},
          },
        },
      });
    }
  }
  drafts.sort((a, b) => a.timestamp - b.timestamp);
  return drafts.map(({ timestamp, event }, index) => {
    const id = eventId(timestamp, seed, index);
    return {
      eventId: id,
      timestamp,
      body: JSON.stringify({
        event_id: id,
        object_type: event.object_type,
        metric: event.metric,
        timestamp,
        data: event.data,
      }),
    };
  });
}
