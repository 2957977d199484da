/**
 * Message deliveries, generated from their index. Base deliveries spread over the 170 days before
 * the start, five per second-slot (identical `created` values are common in real sends). The API
 * keeps about six months: anything created more than RETENTION seconds before "now" is not served.
 * An update (advance) records a later metric (opened, then clicked, then converted) at the new now.
 */
import { DAY, type WorldContext } from './context.js';
import { IndexedTable } from './indexed-table.js';
import { Rng } from './prng.js';
import type { JsonObject } from './types.js';
import { SUBJECTS } from './vocab.js';
import type { CustomerTable } from './world-customers.js';

export const MESSAGE_RETENTION = 180 * DAY;
const SPAN = 170 * DAY;
const BURST = 5;

export const MESSAGE_TYPES = [
  'email',
  'webhook',
  'twilio',
  'whatsapp',
  'slack',
  'push',
  'in_app',
  'live_notification',
] as const;
const TYPE_WEIGHTS = [
  ['email', 70],
  ['push', 10],
  ['twilio', 6],
  ['in_app', 5],
  ['webhook', 4],
  ['slack', 2],
  ['whatsapp', 2],
  ['live_notification', 1],
] as const;

const LATER_METRICS = ['opened', 'clicked', 'converted'] as const;

export interface MessageFilter {
  type?: string;
  metric?: string;
  campaignId?: number;
  newsletterId?: number;
  actionId?: number;
}

export class MessageTable {
  readonly table: IndexedTable;

  constructor(
    private readonly ctx: WorldContext,
    count: number,
    private readonly customers: CustomerTable,
  ) {
    const groups = Math.ceil(count / BURST);
    this.table = new IndexedTable(ctx.timeline, {
      tag: 'messages',
      baseCount: count,
      updatable: true,
      baseTime: (i) => ctx.start - SPAN + Math.floor((Math.floor(i / BURST) * SPAN) / groups),
    });
  }

  /** The raw index range served for a created-time window, retention applied. [lo, hiExclusive). */
  range(startTs: number | undefined, endTs: number | undefined): { lo: number; hiExclusive: number } {
    const floor = Math.max(startTs ?? 0, this.ctx.timeline.now - MESSAGE_RETENTION);
    const lo = this.table.firstAtOrAfter(floor);
    const hiExclusive = endTs === undefined ? this.table.rawCount() : this.table.firstAfter(endTs);
    return { lo, hiExclusive };
  }

  /** Message id: base64url of (seed tag, index, noise), 28 chars with '=' like the vendor's ids. */
  idOf(i: number): string {
    const rng = Rng.for(this.ctx.seed, 'message-id', i);
    const bytes = Buffer.alloc(20);
    bytes.writeUInt32BE(Math.floor(rng.next() * 4294967296), 0);
    bytes.writeUInt32BE(i, 4);
    for (let b = 8; b < 20; b++) bytes[b] = Math.floor(rng.next() * 256);
    return bytes.toString('base64url').padEnd(28, '=');
  }

  /** Raw index of a served message id, or undefined. */
  find(id: string): number | undefined {
    if (!/^[A-Za-z0-9_-]{27}=$/.test(id)) return undefined;
    const i = Buffer.from(id.slice(0, 27), 'base64url').readUInt32BE(4);
    if (!this.table.exists(i) || this.idOf(i) !== id) return undefined;
    const { lo } = this.range(undefined, undefined);
    return i >= lo && !this.table.fate(i).deleted ? i : undefined;
  }

  /** Cheap pre-check for filters, so a filtered scan does not build every record. */
  typeOf(i: number): string {
    return Rng.for(this.ctx.seed, 'message-type', i).weighted(TYPE_WEIGHTS);
  }

  get(i: number, trackedResponses = false): JsonObject | undefined {
    const fate = this.table.fate(i);
    if (fate.deleted) return undefined;
    const rng = Rng.for(this.ctx.seed, 'message', i);
    const id = this.idOf(i);
    const created = this.table.createdAt(i);
    const servedUntil = Math.max(created, this.table.bornIn(i)?.to ?? this.ctx.start);
    const type = this.typeOf(i);
    const refs = this.ctx.refs;

    const customerIndex = rng.int(0, this.customers.table.baseCount - 1);
    const who = this.customers.identity(customerIndex);

    let campaignId: number | null = null;
    let broadcastId: number | null = null;
    let newsletterId: number | null = null;
    let contentId: number | null = null;
    let actionId: number;
    let triggerEventId: string | null = null;
    const source = rng.weighted([
      ['campaign', 55],
      ['broadcast', 15],
      ['newsletter', 20],
      ['transactional', 10],
    ] as const);
    if (source === 'campaign' && refs.campaigns.length > 0) {
      const c = rng.pick(refs.campaigns);
      campaignId = c.id;
      actionId = rng.pick(c.actionIds);
      if (c.eventTriggered) triggerEventId = `01J${rng.hex(23).toUpperCase()}`;
    } else if (source === 'broadcast' && refs.broadcasts.length > 0) {
      const b = rng.pick(refs.broadcasts);
      broadcastId = b.id;
      actionId = rng.pick(b.actionIds);
    } else if (source === 'newsletter' && refs.newsletters.length > 0) {
      const n = rng.pick(refs.newsletters);
      newsletterId = n.id;
      contentId = rng.pick(n.contentIds);
      actionId = contentId;
    } else {
      actionId = rng.pick(refs.transactional).id * 10 + 1;
    }

    const recipient =
      type === 'email'
        ? (who.email ?? `${who.cio_id}@unknown.example.com`)
        : type === 'twilio' || type === 'whatsapp'
          ? `+1555${String(rng.int(0, 9999999)).padStart(7, '0')}`
          : type === 'webhook'
            ? 'https://hooks.example.com/cio'
            : type === 'slack'
              ? '#notifications'
              : who.cio_id;

    // Metrics fill in after creation; only those that happened by the time the record was last
    // observed (the initial world's now, or the epoch that created it) are present.
    const metrics: Record<string, number> = {};
    const record = (name: string, at: number) => {
      if (at <= servedUntil) metrics[name] = at;
    };
    const failed = rng.chance(0.03);
    if (failed) {
      record('failed', created + rng.int(0, 30));
    } else {
      const sent = created + rng.int(0, 5);
      record('sent', sent);
      if (rng.chance(0.95)) {
        const delivered = sent + rng.int(1, 8 * 3600);
        record('delivered', delivered);
        if (type === 'email' && rng.chance(0.45)) {
          const opened = delivered + rng.int(60, 5 * DAY);
          record('opened', opened);
          record('human_opened', opened);
          if (rng.chance(0.3)) record('clicked', opened + rng.int(5, 600));
        }
      } else if (type === 'email') {
        record(rng.chance(0.7) ? 'bounced' : 'spammed', sent + rng.int(1, 600));
      }
    }
    if (fate.updatedIn) {
      const next = LATER_METRICS.find((m) => metrics[m] === undefined) ?? 'converted';
      metrics[next] = fate.updatedIn.to;
    }
    let lastChange = created;
    for (const at of Object.values(metrics)) lastChange = Math.max(lastChange, at);

    const message: JsonObject = {
      id,
      deduplicate_id: `${id}:${lastChange}`,
      created,
      type,
      recipient,
      subject: type === 'email' ? rng.pick(SUBJECTS) : null,
      customer_id: who.id,
      customer_identifiers: { id: who.id, email: who.email, cio_id: who.cio_id },
      campaign_id: campaignId,
      broadcast_id: broadcastId,
      newsletter_id: newsletterId,
      action_id: actionId,
      parent_action_id: rng.chance(0.1) ? actionId - 1 : null,
      content_id: contentId,
      trigger_event_id: triggerEventId,
      failure_message: failed
        ? rng.pick(['Invalid recipient', 'Liquid error: undefined variable', 'timeout'])
        : null,
      forgotten: rng.chance(0.01),
      // The vendor's examples name this deprecated field msg_template_id (its schema says message_template_id).
      msg_template_id: actionId,
      metrics,
    };
    if (trackedResponses) {
      message.tracked_responses =
        type === 'email' && rng.chance(0.2)
          ? { yes: { id: rng.int(1, 99), ts: created + rng.int(60, 3600) } }
          : {};
    }
    return message;
  }

  matches(i: number, filter: MessageFilter, message: JsonObject): boolean {
    if (filter.type !== undefined && this.typeOf(i) !== filter.type) return false;
    if (filter.metric !== undefined) {
      const metrics = message.metrics as JsonObject;
      if (metrics[filter.metric] === undefined) return false;
    }
    if (filter.campaignId !== undefined && message.campaign_id !== filter.campaignId) return false;
    if (filter.newsletterId !== undefined && message.newsletter_id !== filter.newsletterId) return false;
    if (filter.actionId !== undefined && message.action_id !== filter.actionId) return false;
    return true;
  }
}
