/**
 * A message's fields, drawn from seeded generators keyed by its index: the vocabulary and weights
 * the draws pick from, the Draw they fill in, and the drawing itself (MessageDraws). MessageTable
 * turns a Draw into an object; message-json.ts writes the same Draw as JSON bytes.
 */
import { DAY, type WorldContext } from './context.js';
import { type CustomerTable, IDENTITY_FULL } from './customers.js';
import type { IndexedTable } from './indexed-table.js';
import { hash32, hashNumber, Rng } from './prng.js';
import { SUBJECTS } from './vocab.js';

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

export const LATER_METRICS = ['opened', 'clicked', 'converted'] as const;

/** TYPE_WEIGHTS split for Rng.weightedIndex (same draws as rng.weighted(TYPE_WEIGHTS)). */
export const TYPE_NAMES: readonly string[] = TYPE_WEIGHTS.map(([name]) => name);
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
export const FAILURE_MESSAGES = ['Invalid recipient', 'Liquid error: undefined variable', 'timeout'] as const;

/** Recipient kinds: the person's email, a phone number, fixed text, or the person's cio_id. */
export const TO_EMAIL = 0;
export const TO_PHONE = 1;
export const TO_WEBHOOK = 2;
export const TO_SLACK = 3;
export const TO_CIO = 4;
export const WEBHOOK_URL = 'https://hooks.example.com/cio';
export const SLACK_CHANNEL = '#notifications';

/**
 * Metrics in the order they are recorded: a record has a subsequence of these (failed alone; or
 * sent, delivered, opened, human_opened, clicked; or sent, bounced | spammed), then at most one
 * later metric from an update, which is never already present and so always comes last.
 */
export const METRIC_SLOTS = [
  'failed',
  'sent',
  'delivered',
  'opened',
  'human_opened',
  'clicked',
  'bounced',
  'spammed',
];
/** Live only: the key a secondary send records beside a slot's metric, for the slots that have one. */
export const SECONDARY_METRICS: readonly (string | null)[] = METRIC_SLOTS.map((name) =>
  name === 'sent' || name === 'delivered' ? `secondary:${name}` : null,
);
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
 * turned into an object (MessageTable.get) or JSON bytes (writeMessageJson) straight away, so no
 * per-record objects are allocated on the hot path. Both read the same draws, so they cannot
 * disagree.
 */
export class Draw {
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
  /** Live only: transactional_message_id of a transactional delivery (null: no such field). */
  transactionalId: number | null = null;
  /** Live only: metrics also carry the SECONDARY_METRICS keys of the slots present. */
  secondary = false;
  /** Live only: `customer_identifiers` is null. */
  noIdentifiers = false;
  /** tracked_responses: 0 not asked for, 1 {}, 2 { yes: { id, ts } }. */
  tracked = 0;
  trackedId = 0;
  trackedTs = 0;

  has(slot: number): boolean {
    return (this.metricMask & (1 << slot)) !== 0;
  }
}

/** Draws messages by raw index, for MessageTable (which owns the table and its window). */
export class MessageDraws {
  /** hash32(seed, tag) of each per-record generator, extended by the index. */
  private readonly recordPrefix: number;
  private readonly idPrefix: number;
  private readonly typePrefix: number;
  /** The live shapes' extra draws come from their own generator: spec-shape records stay as they were. */
  private readonly livePrefix: number;
  /** Reused generators and draw: generation is synchronous and never re-entered. */
  private readonly rng = new Rng(0);
  private readonly idRng = new Rng(0);
  private readonly typeRng = new Rng(0);
  private readonly draw = new Draw();

  constructor(
    private readonly ctx: WorldContext,
    private readonly table: IndexedTable,
    private readonly customers: CustomerTable,
  ) {
    this.recordPrefix = hash32(ctx.seed, 'message');
    this.idPrefix = hash32(ctx.seed, 'message-id');
    this.typePrefix = hash32(ctx.seed, 'message-type');
    this.livePrefix = hash32(ctx.seed, 'message-live');
  }

  /** The 20 bytes of message i's id: (seed tag, index, noise). */
  idBytesOf(i: number, bytes: Uint8Array): void {
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

  typeIndexOf(i: number): number {
    return this.typeRng.reset(hashNumber(this.typePrefix, i)).weightedIndex(TYPE_WEIGHT_VALUES);
  }

  /**
   * Draws message i into the shared Draw (valid until the next call), or undefined when deleted.
   * The order of the draws is the record's definition: changing it changes every message.
   */
  drawn(i: number, trackedResponses: boolean, evenDeleted = false): Draw | undefined {
    const fate = this.table.fate(i);
    if (fate.deleted && !evenDeleted) return undefined;
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
    d.transactionalId = null;
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
      const t = refs.transactional[rng.index(refs.transactional.length)]!;
      d.actionId = t.id * 10 + 1;
      d.transactionalId = t.id;
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
    const live = this.ctx.shapes === 'live';
    if (!live) d.transactionalId = null;
    const h = live ? hashNumber(this.livePrefix, i) : 0;
    d.secondary = live && h % 100 < 20;
    d.noIdentifiers = live && (h >>> 8) % 100 < 4;
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
export function triggerText(words: Uint32Array): string {
  let hex = '';
  for (const w of words) hex += w.toString(16).padStart(8, '0');
  return `01J${hex.slice(0, 23).toUpperCase()}`;
}

/** Message id text: unpadded base64url of the 20 bytes, then '=' (28 chars, like the vendor's). */
export function idText(bytes: Uint8Array): string {
  return `${Buffer.from(bytes.buffer, bytes.byteOffset, 20).toString('base64url')}=`;
}
