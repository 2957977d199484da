/**
 * Message deliveries, generated from their index. Base deliveries spread over the 170 days before
 * the start, five per second-slot (identical `created` values are common in real sends). The API
 * keeps about six months: anything created more than RETENTION seconds before "now" is not served.
 * An update (advance) records a later metric (opened, then clicked, then converted) at the new now.
 */
import { DAY, type WorldContext } from './context.js';
import { IndexedTable } from './indexed-table.js';
import {
  fragment,
  JsonBytes,
  putBase64url,
  putBytes,
  putCopy,
  putHex8,
  putNumber,
  putPadded,
} from './json-bytes.js';
import { hash32, hashNumber, Rng } from './prng.js';
import type { JsonObject } from './types.js';
import { SUBJECTS } from './vocab.js';
import { type CustomerTable, IDENTITY_CIO_ONLY, IDENTITY_FULL } from './world-customers.js';

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

/** TYPE_WEIGHTS split for Rng.weightedIndex (same draws as rng.weighted(TYPE_WEIGHTS)). */
const TYPE_NAMES: readonly string[] = TYPE_WEIGHTS.map(([name]) => name);
const TYPE_WEIGHT_VALUES: readonly number[] = TYPE_WEIGHTS.map(([, weight]) => weight);
const EMAIL = TYPE_NAMES.indexOf('email');
const TWILIO = TYPE_NAMES.indexOf('twilio');
const WHATSAPP = TYPE_NAMES.indexOf('whatsapp');
const WEBHOOK = TYPE_NAMES.indexOf('webhook');
const SLACK = TYPE_NAMES.indexOf('slack');

/** Where a message comes from: campaign 55, broadcast 15, newsletter 20, transactional 10. */
const SOURCE_WEIGHTS: readonly number[] = [55, 15, 20, 10];
const CAMPAIGN = 0;
const BROADCAST = 1;
const NEWSLETTER = 2;
const FAILURE_MESSAGES = ['Invalid recipient', 'Liquid error: undefined variable', 'timeout'] as const;

/** Recipient kinds: the person's email, a phone number, fixed text, or the person's cio_id. */
const TO_EMAIL = 0;
const TO_PHONE = 1;
const TO_WEBHOOK = 2;
const TO_SLACK = 3;
const TO_CIO = 4;
const WEBHOOK_URL = 'https://hooks.example.com/cio';
const SLACK_CHANNEL = '#notifications';

/**
 * Metrics in the order they are recorded: a record has a subsequence of these (failed alone; or
 * sent, delivered, opened, human_opened, clicked; or sent, bounced | spammed), then at most one
 * later metric from an update, which is never already present and so always comes last.
 */
const METRIC_SLOTS = [
  'failed',
  'sent',
  'delivered',
  'opened',
  'human_opened',
  'clicked',
  'bounced',
  'spammed',
];
const FAILED = 0;
const SENT = 1;
const DELIVERED = 2;
const OPENED = 3;
const HUMAN_OPENED = 4;
const CLICKED = 5;
const BOUNCED = 6;
const SPAMMED = 7;

/**
 * One message's draws, filled in place: records are generated one at a time, synchronously, and
 * turned into an object (`get`) or JSON bytes (`write`) straight away, so no per-record objects
 * are allocated on the hot path. Both read the same draws, so they cannot disagree.
 */
class Draw {
  /** The 20 bytes behind the id. */
  readonly idBytes = new Uint8Array(20);
  created = 0;
  /** Index into TYPE_NAMES. */
  type = 0;
  customer = 0;
  customerKind = IDENTITY_FULL;
  recipient = TO_EMAIL;
  phone = 0;
  campaignId: number | null = null;
  broadcastId: number | null = null;
  newsletterId: number | null = null;
  contentId: number | null = null;
  actionId = 0;
  parentActionId: number | null = null;
  /** trigger_event_id: '01J' and the first 23 hex digits (upper case) of these draws, if set. */
  hasTrigger = false;
  readonly triggerWords = new Uint32Array(3);
  /** Index into SUBJECTS, -1 for null. */
  subject = -1;
  /** Index into FAILURE_MESSAGES, -1 for null. */
  failure = -1;
  forgotten = false;
  /** Bit k set: METRIC_SLOTS[k] is present, at metricTimes[k]. */
  metricMask = 0;
  readonly metricTimes = new Float64Array(METRIC_SLOTS.length);
  /** Index into LATER_METRICS of the metric an update recorded, -1 for none. */
  later = -1;
  laterTime = 0;
  lastChange = 0;
  /** tracked_responses: 0 not asked for, 1 {}, 2 { yes: { id, ts } }. */
  tracked = 0;
  trackedId = 0;
  trackedTs = 0;

  has(slot: number): boolean {
    return (this.metricMask & (1 << slot)) !== 0;
  }
}

/** UTF-8 JSON of the vocabulary strings (they hold quotes and non-ASCII). */
const SUBJECTS_JSON = SUBJECTS.map((s) => fragment(JSON.stringify(s)));
const FAILURE_MESSAGES_JSON = FAILURE_MESSAGES.map((s) => fragment(JSON.stringify(s)));
const TYPES_JSON = TYPE_NAMES.map((name) => fragment(JSON.stringify(name)));
const METRIC_KEYS = METRIC_SLOTS.map((name) => fragment(`${JSON.stringify(name)}:`));
const LATER_KEYS = LATER_METRICS.map((name) => fragment(`${JSON.stringify(name)}:`));

/** The fixed pieces of a message's JSON, in field order (see MessageTable.write). */
const K_ID = fragment('{"id":"');
const K_DEDUPLICATE_ID = fragment('=","deduplicate_id":"');
const K_CREATED = fragment('","created":');
const K_TYPE = fragment(',"type":');
const K_RECIPIENT = fragment(',"recipient":');
const K_UNKNOWN_DOMAIN = fragment('@unknown.example.com');
const K_PHONE = fragment('"+1555');
const K_WEBHOOK = fragment(JSON.stringify(WEBHOOK_URL));
const K_SLACK = fragment(JSON.stringify(SLACK_CHANNEL));
const K_SUBJECT = fragment(',"subject":');
const K_CUSTOMER_ID = fragment(',"customer_id":');
const K_IDENTIFIERS_ID = fragment(',"customer_identifiers":{"id":');
const K_IDENTIFIERS_EMAIL = fragment(',"email":');
const K_IDENTIFIERS_CIO_ID = fragment(',"cio_id":"');
const K_CAMPAIGN_ID = fragment('"},"campaign_id":');
const K_BROADCAST_ID = fragment(',"broadcast_id":');
const K_NEWSLETTER_ID = fragment(',"newsletter_id":');
const K_ACTION_ID = fragment(',"action_id":');
const K_PARENT_ACTION_ID = fragment(',"parent_action_id":');
const K_CONTENT_ID = fragment(',"content_id":');
const K_TRIGGER_EVENT_ID = fragment(',"trigger_event_id":');
const K_TRIGGER_PREFIX = fragment('"01J');
const HEX_UPPER = fragment('0123456789ABCDEF');
const K_FAILURE_MESSAGE = fragment(',"failure_message":');
const K_FORGOTTEN_TRUE = fragment(',"forgotten":true,"msg_template_id":');
const K_FORGOTTEN_FALSE = fragment(',"forgotten":false,"msg_template_id":');
const K_METRICS = fragment(',"metrics":{');
const K_TRACKED_EMPTY = fragment(',"tracked_responses":{}');
const K_TRACKED_YES_ID = fragment(',"tracked_responses":{"yes":{"id":');
const K_TS = fragment(',"ts":');
const K_CLOSE2 = fragment('}}');
const NULL = fragment('null');

/** More than the longest message record's JSON can be (checked after each record). */
const RECORD_MAX = 4096;

function putNumberOrNull(buf: Uint8Array, p: number, value: number | null): number {
  return value === null ? putBytes(buf, p, NULL) : putNumber(buf, p, value);
}

export interface MessageFilter {
  type?: string;
  metric?: string;
  campaignId?: number;
  newsletterId?: number;
  actionId?: number;
}

export class MessageTable {
  readonly table: IndexedTable;
  /** hash32(seed, tag) of each per-record generator, extended by the index. */
  private readonly recordPrefix: number;
  private readonly idPrefix: number;
  private readonly typePrefix: number;
  /** Reused generators and draw: generation is synchronous and never re-entered. */
  private readonly rng = new Rng(0);
  private readonly idRng = new Rng(0);
  private readonly typeRng = new Rng(0);
  private readonly draw = new Draw();
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
    this.recordPrefix = hash32(ctx.seed, 'message');
    this.idPrefix = hash32(ctx.seed, 'message-id');
    this.typePrefix = hash32(ctx.seed, 'message-type');
  }

  /** The raw index range served for a created-time window, retention applied. [lo, hiExclusive). */
  range(startTs: number | undefined, endTs: number | undefined): { lo: number; hiExclusive: number } {
    const floor = Math.max(startTs ?? 0, this.ctx.timeline.now - MESSAGE_RETENTION);
    const lo = this.table.firstAtOrAfter(floor);
    const hiExclusive = endTs === undefined ? this.table.rawCount() : this.table.firstAfter(endTs);
    return { lo, hiExclusive };
  }

  /** The 20 bytes of message i's id: (seed tag, index, noise). */
  private idBytesOf(i: number, bytes: Uint8Array): void {
    const rng = this.idRng.reset(hashNumber(this.idPrefix, i));
    const head = rng.uint32(); // Math.floor(rng.next() * 2^32)
    bytes[0] = head >>> 24;
    bytes[1] = head >>> 16;
    bytes[2] = head >>> 8;
    bytes[3] = head;
    bytes[4] = i >>> 24;
    bytes[5] = i >>> 16;
    bytes[6] = i >>> 8;
    bytes[7] = i;
    for (let b = 8; b < 20; b++) bytes[b] = rng.uint32() >>> 24; // Math.floor(rng.next() * 256)
  }

  /** Message id: base64url of (seed tag, index, noise), 28 chars with '=' like the vendor's ids. */
  idOf(i: number): string {
    this.idBytesOf(i, this.idBytes);
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
    return TYPE_NAMES[this.typeIndexOf(i)]!;
  }

  private typeIndexOf(i: number): number {
    return this.typeRng.reset(hashNumber(this.typePrefix, i)).weightedIndex(TYPE_WEIGHT_VALUES);
  }

  get(i: number, trackedResponses = false): JsonObject | undefined {
    const d = this.drawn(i, trackedResponses);
    if (!d) return undefined;
    const who = this.customers.identity(d.customer);
    const metrics: JsonObject = {};
    for (let slot = 0; slot < METRIC_SLOTS.length; slot++) {
      if (d.has(slot)) metrics[METRIC_SLOTS[slot]!] = d.metricTimes[slot]!;
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
      customer_identifiers: { id: who.id, email: who.email, cio_id: who.cio_id },
      campaign_id: d.campaignId,
      broadcast_id: d.broadcastId,
      newsletter_id: d.newsletterId,
      action_id: d.actionId,
      parent_action_id: d.parentActionId,
      content_id: d.contentId,
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

  /** The record's JSON text, exactly JSON.stringify(get(i, trackedResponses)); see `write`. */
  json(i: number, trackedResponses = false, filter?: MessageFilter): string | undefined {
    const out = new JsonBytes(1024);
    return this.write(i, out, trackedResponses, filter) ? out.toString() : undefined;
  }

  /**
   * Appends the record's JSON, byte for byte what JSON.stringify(get(i, trackedResponses)) gives,
   * without building the object or its strings. False (nothing written) when the record is deleted
   * or does not match `filter`. Ids, identities, numbers and fixed texts need no JSON escaping.
   */
  write(i: number, out: JsonBytes, trackedResponses = false, filter?: MessageFilter): boolean {
    const d = this.drawn(i, trackedResponses);
    if (!d || (filter !== undefined && !drawMatches(d, filter))) return false;
    const customers = this.customers;
    const c = d.customer;
    const kind = d.customerKind;
    const buf = out.reserve(RECORD_MAX);
    const start = out.pos;
    let p = start;
    // Values that appear twice (id, email, customer id) are written once, then copied.
    p = putBytes(buf, p, K_ID);
    const idStart = p;
    p = putBase64url(buf, p, d.idBytes);
    const idEnd = p;
    p = putBytes(buf, p, K_DEDUPLICATE_ID);
    p = putCopy(buf, p, idStart, idEnd);
    buf[p++] = 0x3d; // =
    buf[p++] = 0x3a; // :
    p = putNumber(buf, p, d.lastChange);
    p = putBytes(buf, p, K_CREATED);
    p = putNumber(buf, p, d.created);
    p = putBytes(buf, p, K_TYPE);
    p = putBytes(buf, p, TYPES_JSON[d.type]!);
    p = putBytes(buf, p, K_RECIPIENT);
    let emailStart = -1;
    let emailEnd = -1;
    switch (d.recipient) {
      case TO_EMAIL:
        buf[p++] = 0x22;
        if (kind === IDENTITY_CIO_ONLY) {
          p = customers.putCio(c, buf, p);
          p = putBytes(buf, p, K_UNKNOWN_DOMAIN);
        } else {
          emailStart = p;
          p = customers.putEmail(c, buf, p);
          emailEnd = p;
        }
        buf[p++] = 0x22;
        break;
      case TO_PHONE:
        p = putBytes(buf, p, K_PHONE);
        p = putPadded(buf, p, d.phone, 7);
        buf[p++] = 0x22;
        break;
      case TO_WEBHOOK:
        p = putBytes(buf, p, K_WEBHOOK);
        break;
      case TO_SLACK:
        p = putBytes(buf, p, K_SLACK);
        break;
      default:
        buf[p++] = 0x22;
        p = customers.putCio(c, buf, p);
        buf[p++] = 0x22;
    }
    p = putBytes(buf, p, K_SUBJECT);
    p = putBytes(buf, p, d.subject < 0 ? NULL : SUBJECTS_JSON[d.subject]!);
    p = putBytes(buf, p, K_CUSTOMER_ID);
    const customerIdStart = p;
    if (kind === IDENTITY_FULL) {
      buf[p++] = 0x22;
      p = customers.putId(c, buf, p);
      buf[p++] = 0x22;
    } else {
      p = putBytes(buf, p, NULL);
    }
    const customerIdEnd = p;
    p = putBytes(buf, p, K_IDENTIFIERS_ID);
    p = putCopy(buf, p, customerIdStart, customerIdEnd);
    p = putBytes(buf, p, K_IDENTIFIERS_EMAIL);
    if (kind === IDENTITY_CIO_ONLY) {
      p = putBytes(buf, p, NULL);
    } else {
      buf[p++] = 0x22;
      p = emailStart >= 0 ? putCopy(buf, p, emailStart, emailEnd) : customers.putEmail(c, buf, p);
      buf[p++] = 0x22;
    }
    p = putBytes(buf, p, K_IDENTIFIERS_CIO_ID);
    p = customers.putCio(c, buf, p);
    p = putBytes(buf, p, K_CAMPAIGN_ID);
    p = putNumberOrNull(buf, p, d.campaignId);
    p = putBytes(buf, p, K_BROADCAST_ID);
    p = putNumberOrNull(buf, p, d.broadcastId);
    p = putBytes(buf, p, K_NEWSLETTER_ID);
    p = putNumberOrNull(buf, p, d.newsletterId);
    p = putBytes(buf, p, K_ACTION_ID);
    p = putNumber(buf, p, d.actionId);
    p = putBytes(buf, p, K_PARENT_ACTION_ID);
    p = putNumberOrNull(buf, p, d.parentActionId);
    p = putBytes(buf, p, K_CONTENT_ID);
    p = putNumberOrNull(buf, p, d.contentId);
    p = putBytes(buf, p, K_TRIGGER_EVENT_ID);
    if (d.hasTrigger) {
      p = putBytes(buf, p, K_TRIGGER_PREFIX);
      p = putHex8(buf, p, d.triggerWords[0]!, HEX_UPPER);
      p = putHex8(buf, p, d.triggerWords[1]!, HEX_UPPER);
      p = putHex8(buf, p, d.triggerWords[2]!, HEX_UPPER) - 1; // 23 digits
      buf[p++] = 0x22;
    } else {
      p = putBytes(buf, p, NULL);
    }
    p = putBytes(buf, p, K_FAILURE_MESSAGE);
    p = putBytes(buf, p, d.failure < 0 ? NULL : FAILURE_MESSAGES_JSON[d.failure]!);
    p = putBytes(buf, p, d.forgotten ? K_FORGOTTEN_TRUE : K_FORGOTTEN_FALSE);
    p = putNumber(buf, p, d.actionId);
    p = putBytes(buf, p, K_METRICS);
    let first = true;
    for (let slot = 0; slot < METRIC_SLOTS.length; slot++) {
      if (!d.has(slot)) continue;
      if (!first) buf[p++] = 0x2c;
      first = false;
      p = putBytes(buf, p, METRIC_KEYS[slot]!);
      p = putNumber(buf, p, d.metricTimes[slot]!);
    }
    if (d.later >= 0) {
      if (!first) buf[p++] = 0x2c;
      p = putBytes(buf, p, LATER_KEYS[d.later]!);
      p = putNumber(buf, p, d.laterTime);
    }
    buf[p++] = 0x7d;
    if (d.tracked === 1) {
      p = putBytes(buf, p, K_TRACKED_EMPTY);
    } else if (d.tracked === 2) {
      p = putBytes(buf, p, K_TRACKED_YES_ID);
      p = putNumber(buf, p, d.trackedId);
      p = putBytes(buf, p, K_TS);
      p = putNumber(buf, p, d.trackedTs);
      p = putBytes(buf, p, K_CLOSE2);
    }
    buf[p++] = 0x7d;
    if (p - start > RECORD_MAX) throw new Error(`message ${i}: record longer than RECORD_MAX`);
    out.pos = p;
    return true;
  }

  /**
   * Draws message i into the shared Draw (valid until the next call), or undefined when deleted.
   * The order of the draws is the record's definition: changing it changes every message.
   */
  private drawn(i: number, trackedResponses: boolean): Draw | undefined {
    const fate = this.table.fate(i);
    if (fate.deleted) return undefined;
    const d = this.draw;
    const rng = this.rng.reset(hashNumber(this.recordPrefix, i));
    this.idBytesOf(i, d.idBytes);
    const created = this.table.createdAt(i);
    d.created = created;
    const servedUntil = Math.max(created, this.table.bornIn(i)?.to ?? this.ctx.start);
    const type = this.typeIndexOf(i);
    d.type = type;
    const refs = this.ctx.refs;

    const customer = rng.int(0, this.customers.table.baseCount - 1);
    d.customer = customer;
    d.customerKind = this.customers.identityKind(customer);

    d.campaignId = null;
    d.broadcastId = null;
    d.newsletterId = null;
    d.contentId = null;
    d.hasTrigger = false;
    const source = rng.weightedIndex(SOURCE_WEIGHTS);
    if (source === CAMPAIGN && refs.campaigns.length > 0) {
      const c = refs.campaigns[rng.index(refs.campaigns.length)]!;
      d.campaignId = c.id;
      d.actionId = c.actionIds[rng.index(c.actionIds.length)]!;
      if (c.eventTriggered) {
        // rng.hex(23): three 32-bit draws, 24 digits, the last dropped.
        d.hasTrigger = true;
        d.triggerWords[0] = rng.uint32();
        d.triggerWords[1] = rng.uint32();
        d.triggerWords[2] = rng.uint32();
      }
    } else if (source === BROADCAST && refs.broadcasts.length > 0) {
      const b = refs.broadcasts[rng.index(refs.broadcasts.length)]!;
      d.broadcastId = b.id;
      d.actionId = b.actionIds[rng.index(b.actionIds.length)]!;
    } else if (source === NEWSLETTER && refs.newsletters.length > 0) {
      const n = refs.newsletters[rng.index(refs.newsletters.length)]!;
      d.newsletterId = n.id;
      d.contentId = n.contentIds[rng.index(n.contentIds.length)]!;
      d.actionId = d.contentId;
    } else {
      d.actionId = refs.transactional[rng.index(refs.transactional.length)]!.id * 10 + 1;
    }

    if (type === EMAIL) d.recipient = TO_EMAIL;
    else if (type === TWILIO || type === WHATSAPP) {
      d.recipient = TO_PHONE;
      d.phone = rng.int(0, 9999999);
    } else if (type === WEBHOOK) d.recipient = TO_WEBHOOK;
    else if (type === SLACK) d.recipient = TO_SLACK;
    else d.recipient = TO_CIO;

    // Metrics fill in after creation; only those that happened by the time the record was last
    // observed (the initial world's now, or the epoch that created it) are present.
    d.metricMask = 0;
    d.lastChange = created;
    const failed = rng.chance(0.03);
    if (failed) {
      this.record(d, FAILED, created + rng.int(0, 30), servedUntil);
    } else {
      const sent = created + rng.int(0, 5);
      this.record(d, SENT, sent, servedUntil);
      if (rng.chance(0.95)) {
        const delivered = sent + rng.int(1, 8 * 3600);
        this.record(d, DELIVERED, delivered, servedUntil);
        if (type === EMAIL && rng.chance(0.45)) {
          const opened = delivered + rng.int(60, 5 * DAY);
          this.record(d, OPENED, opened, servedUntil);
          this.record(d, HUMAN_OPENED, opened, servedUntil);
          if (rng.chance(0.3)) this.record(d, CLICKED, opened + rng.int(5, 600), servedUntil);
        }
      } else if (type === EMAIL) {
        const slot = rng.chance(0.7) ? BOUNCED : SPAMMED;
        this.record(d, slot, sent + rng.int(1, 600), servedUntil);
      }
    }
    d.later = -1;
    if (fate.updatedIn) {
      // The first later metric not yet recorded (LATER_METRICS[2], converted, never is).
      d.later = !d.has(OPENED) ? 0 : !d.has(CLICKED) ? 1 : 2;
      d.laterTime = fate.updatedIn.to;
      d.lastChange = Math.max(d.lastChange, d.laterTime);
    }

    // The remaining draws, in the order the record's fields have always been drawn.
    d.subject = type === EMAIL ? rng.index(SUBJECTS.length) : -1;
    d.parentActionId = rng.chance(0.1) ? d.actionId - 1 : null;
    d.failure = failed ? rng.index(FAILURE_MESSAGES.length) : -1;
    d.forgotten = rng.chance(0.01);
    d.tracked = 0;
    if (trackedResponses) {
      d.tracked = 1;
      if (type === EMAIL && rng.chance(0.2)) {
        d.tracked = 2;
        d.trackedId = rng.int(1, 99);
        d.trackedTs = created + rng.int(60, 3600);
      }
    }
    return d;
  }

  private record(d: Draw, slot: number, at: number, servedUntil: number): void {
    if (at > servedUntil) return;
    d.metricMask |= 1 << slot;
    d.metricTimes[slot] = at;
    if (at > d.lastChange) d.lastChange = at;
  }
}

/** `01J${rng.hex(23).toUpperCase()}` from the three draws rng.hex(23) makes. */
function triggerText(words: Uint32Array): string {
  let hex = '';
  for (const w of words) hex += w.toString(16).padStart(8, '0');
  return `01J${hex.slice(0, 23).toUpperCase()}`;
}

/** Message id text: unpadded base64url of the 20 bytes, then '=' (28 chars, like the vendor's). */
function idText(bytes: Uint8Array): string {
  return `${Buffer.from(bytes.buffer, bytes.byteOffset, 20).toString('base64url')}=`;
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
