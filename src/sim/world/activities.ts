/**
 * Workspace activity feed, generated from its index; listed newest first. Kept for 30 days: older
 * entries stop being served as "now" advances. Activities are events, so advances add and delete
 * them but never update them. Their shape varies by type (fields absent rather than null).
 */
import { DAY, type WorldContext } from './context.js';
import type { CustomerTable } from './customers.js';
import { IndexedTable } from './indexed-table.js';
import { Rng } from './prng.js';
import type { JsonObject } from './types.js';
import { EVENT_NAMES, PAGE_URLS, PLANS, SCREEN_NAMES } from './vocab.js';

export const ACTIVITY_RETENTION = 30 * DAY;
const SPAN = 29 * DAY;
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

const TYPES = [
  ['sent_email', 20],
  ['delivered_email', 15],
  ['opened_email', 12],
  ['clicked_email', 5],
  ['event', 20],
  ['page', 10],
  ['screen', 6],
  ['attribute_change', 8],
  ['profile_create', 4],
] as const;

export class ActivityTable {
  readonly table: IndexedTable;

  constructor(
    private readonly ctx: WorldContext,
    count: number,
    private readonly customers: CustomerTable,
  ) {
    this.table = new IndexedTable(ctx.timeline, {
      tag: 'activities',
      baseCount: count,
      updatable: false,
      // Pairs of activities share a timestamp (e.g. sent + delivered in the same second).
      baseTime: (i) => ctx.start - SPAN + Math.floor((Math.floor(i / 2) * 2 * SPAN) / count),
    });
  }

  /** Served raw index range [lo, hiExclusive): retention applied. */
  range(): { lo: number; hiExclusive: number } {
    return {
      lo: this.table.firstAtOrAfter(this.ctx.timeline.now - ACTIVITY_RETENTION),
      hiExclusive: this.table.rawCount(),
    };
  }

  typeOf(i: number): string {
    return Rng.for(this.ctx.seed, 'activity-type', i).weighted(TYPES);
  }

  /** A ULID: 10 chars of millisecond time, 16 of randomness that embed the index (so ids are unique). */
  private ulid(i: number, timestamp: number): string {
    let out = '';
    let ms = timestamp * 1000 + (i % 1000);
    for (let k = 0; k < 10; k++) {
      out = CROCKFORD[ms % 32] + out;
      ms = Math.floor(ms / 32);
    }
    const rng = Rng.for(this.ctx.seed, 'activity-id', i);
    let tail = '';
    let rest = i;
    for (let k = 0; k < 7; k++) {
      tail = CROCKFORD[rest % 32] + tail;
      rest = Math.floor(rest / 32);
    }
    for (let k = 0; k < 9; k++) tail = CROCKFORD[rng.int(0, 31)] + tail;
    return out + tail;
  }

  get(i: number): JsonObject | undefined {
    if (this.table.fate(i).deleted) return undefined;
    const rng = Rng.for(this.ctx.seed, 'activity', i);
    const timestamp = this.table.createdAt(i);
    const type = this.typeOf(i);
    const who = this.customers.identity(rng.int(0, this.customers.table.baseCount - 1));
    const activity: JsonObject = {
      id: this.ulid(i, timestamp),
      type,
      timestamp,
      customer_id: who.id,
      customer_identifiers: { id: who.id, email: who.email, cio_id: who.cio_id },
    };
    if (type.endsWith('_email')) {
      const deliveryId = Buffer.from(rng.hex(32), 'hex').toString('base64url').padEnd(24, '=');
      activity.delivery_id = deliveryId;
      activity.delivery_type = 'email';
      const opened = type === 'opened_email' || type === 'clicked_email';
      activity.data = {
        delivery_id: deliveryId,
        delivered: type === 'sent_email' ? null : timestamp - rng.int(0, 600),
        // Live, `opened` is when the email was opened (unix seconds); the spec types it boolean.
        opened: !opened
          ? null
          : this.ctx.shapes === 'spec'
            ? true
            : type === 'opened_email'
              ? timestamp
              : timestamp - 45,
      };
    } else if (type === 'event') {
      activity.name = rng.pick(EVENT_NAMES);
      activity.data = {
        amount: String(rng.int(1, 500)),
        currency: rng.pick(['EUR', 'USD', 'JPY']),
        note: '🛒',
      };
    } else if (type === 'page') {
      activity.url = rng.pick(PAGE_URLS);
    } else if (type === 'screen') {
      activity.name = rng.pick(SCREEN_NAMES);
      activity.delivery_type = rng.pick(['ios', 'android']);
    } else if (type === 'attribute_change') {
      const from = rng.pick(PLANS);
      activity.data = { plan: { from, to: PLANS.find((p) => p !== from) ?? 'pro' } };
    }
    return activity;
  }
}
