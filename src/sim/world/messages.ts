/**
 * Message deliveries, generated from their index. Base deliveries spread over the 170 days before
 * the start, five per second-slot (identical `created` values are common in real sends). The API
 * keeps about six months: anything created more than RETENTION seconds before "now" is not served.
 * An update (advance) records a later metric (opened, then clicked, then converted) at the new now.
 */
import { DAY, type WorldContext } from './context.js';
import type { CustomerTable } from './customers.js';
import { IndexedTable } from './indexed-table.js';
import { JsonBytes } from './json-bytes.js';
import {
  type Draw,
  FAILURE_MESSAGES,
  idText,
  LATER_METRICS,
  METRIC_SLOTS,
  MessageDraws,
  SECONDARY_METRICS,
  SLACK_CHANNEL,
  TO_EMAIL,
  TO_PHONE,
  TO_SLACK,
  TO_WEBHOOK,
  TYPE_NAMES,
  triggerText,
  WEBHOOK_URL,
} from './message-draws.js';
import { writeMessageJson } from './message-json.js';
import type { JsonObject } from './types.js';
import { SUBJECTS } from './vocab.js';

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

export interface MessageFilter {
  type?: string;
  metric?: string;
  campaignId?: number;
  newsletterId?: number;
  actionId?: number;
}

export class MessageTable {
  readonly table: IndexedTable;
  private readonly draws: MessageDraws;
  /** Reused by idOf: generation is synchronous and never re-entered. */
  private readonly idBytes = new Uint8Array(20);

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
    this.draws = new MessageDraws(ctx, this.table, customers);
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
    this.draws.idBytesOf(i, this.idBytes);
    return idText(this.idBytes);
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
    return TYPE_NAMES[this.draws.typeIndexOf(i)]!;
  }

  get(i: number, trackedResponses = false): JsonObject | undefined {
    const d = this.draws.drawn(i, trackedResponses);
    if (!d) return undefined;
    const who = this.customers.identity(d.customer);
    const metrics: JsonObject = {};
    for (let slot = 0; slot < METRIC_SLOTS.length; slot++) {
      if (!d.has(slot)) continue;
      metrics[METRIC_SLOTS[slot]!] = d.metricTimes[slot]!;
      const secondary = SECONDARY_METRICS[slot];
      if (d.secondary && secondary) metrics[secondary] = d.metricTimes[slot]!;
    }
    if (d.later >= 0) metrics[LATER_METRICS[d.later]!] = d.laterTime;
    const id = idText(d.idBytes);
    const recipient =
      d.recipient === TO_EMAIL
        ? (who.email ?? `${who.cio_id}@unknown.example.com`)
        : d.recipient === TO_PHONE
          ? `+1555${String(d.phone).padStart(7, '0')}`
          : d.recipient === TO_WEBHOOK
            ? WEBHOOK_URL
            : d.recipient === TO_SLACK
              ? SLACK_CHANNEL
              : who.cio_id;
    const message: JsonObject = {
      id,
      deduplicate_id: `${id}:${d.lastChange}`,
      created: d.created,
      type: TYPE_NAMES[d.type]!,
      recipient,
      subject: d.subject < 0 ? null : SUBJECTS[d.subject]!,
      customer_id: who.id,
      customer_identifiers: d.noIdentifiers ? null : { id: who.id, email: who.email, cio_id: who.cio_id },
      campaign_id: d.campaignId,
      broadcast_id: d.broadcastId,
      newsletter_id: d.newsletterId,
      action_id: d.actionId,
      parent_action_id: d.parentActionId,
      content_id: d.contentId,
      ...(d.transactionalId === null ? {} : { transactional_message_id: d.transactionalId }),
      trigger_event_id: d.hasTrigger ? triggerText(d.triggerWords) : null,
      failure_message: d.failure < 0 ? null : FAILURE_MESSAGES[d.failure]!,
      forgotten: d.forgotten,
      // The vendor's examples name this deprecated field msg_template_id (its schema says message_template_id).
      msg_template_id: d.actionId,
      metrics,
    };
    if (d.tracked !== 0) {
      message.tracked_responses = d.tracked === 1 ? {} : { yes: { id: d.trackedId, ts: d.trackedTs } };
    }
    return message;
  }

  /**
   * Every message created so far, deleted ones too, handed over as its draws (valid during the
   * call): the metrics series count what was sent, which deleting a delivery does not undo.
   */
  forEachSend(visit: (d: Draw) => void): void {
    for (let i = 0; i < this.table.rawCount(); i++) {
      const d = this.draws.drawn(i, false, true);
      if (d) visit(d);
    }
  }

  /** The record's JSON text, exactly JSON.stringify(get(i, trackedResponses)); see `write`. */
  json(i: number, trackedResponses = false, filter?: MessageFilter): string | undefined {
    const out = new JsonBytes(1024);
    return this.write(i, out, trackedResponses, filter) ? out.toString() : undefined;
  }

  /**
   * Appends the record's JSON, byte for byte what JSON.stringify(get(i, trackedResponses)) gives,
   * without building the object or its strings (writeMessageJson). False (nothing written) when
   * the record is deleted or does not match `filter`.
   */
  write(i: number, out: JsonBytes, trackedResponses = false, filter?: MessageFilter): boolean {
    const d = this.draws.drawn(i, trackedResponses);
    if (!d || (filter !== undefined && !drawMatches(d, filter))) return false;
    writeMessageJson(i, d, this.customers, out);
    return true;
  }
}

/** Whether a drawn message passes the list filters (metric: the metric is present). */
function drawMatches(d: Draw, filter: MessageFilter): boolean {
  if (filter.type !== undefined && TYPE_NAMES[d.type] !== filter.type) return false;
  if (filter.metric !== undefined) {
    const slot = METRIC_SLOTS.indexOf(filter.metric);
    const present = (slot >= 0 && d.has(slot)) || (d.later >= 0 && LATER_METRICS[d.later] === filter.metric);
    if (!present) return false;
  }
  if (filter.campaignId !== undefined && d.campaignId !== filter.campaignId) return false;
  if (filter.newsletterId !== undefined && d.newsletterId !== filter.newsletterId) return false;
  if (filter.actionId !== undefined && d.actionId !== filter.actionId) return false;
  return true;
}
