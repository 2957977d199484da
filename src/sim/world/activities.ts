/**
 * Workspace activity feed, generated from its index; listed newest first. Kept for 30 days: older
 * entries stop being served as "now" advances. Activities are events, so advances add and delete
 * them but never update them. Their shape varies by type (fields absent rather than null).
 *
 * Every change an advance makes to people is logged here too, as Customer.io logs it: a person
 * created (`profile_create`), whose attributes changed (`attribute_change`, one per person with the
 * attributes that changed) or deleted (`profile_delete`), at the moment of the advance. Those are
 * the feed a client can follow to learn which people changed (there is no "changed since" filter
 * on people). The seeded activities of those types name random people and change nobody.
 */
import { DAY, type WorldContext } from './context.js';
import type { CustomerTable } from './customers.js';
import { IndexedTable } from './indexed-table.js';
import { Rng } from './prng.js';
import type { Epoch } from './timeline.js';
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

/** The activity types that log a change to a person, in the order an advance writes them. */
export const PERSON_CHANGE_TYPES = ['profile_create', 'attribute_change', 'profile_delete'] as const;

/** The people one advance changed, by kind: raw customer indexes. */
export interface PersonChanges {
  created: readonly number[];
  updated: readonly number[];
  deleted: readonly number[];
}

/** A block of activities logging one advance's changes to people (see PersonChanges). */
interface ChangeBlock {
  /** Raw activity index of the block's first activity. */
  start: number;
  epoch: Epoch;
  /** Customer index and PERSON_CHANGE_TYPES index of each activity, in raw index order. */
  people: Int32Array;
  kinds: Uint8Array;
}

export class ActivityTable {
  readonly table: IndexedTable;
  private readonly changeBlocks: ChangeBlock[] = [];

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
    const change = this.changeAt(i);
    if (change) return PERSON_CHANGE_TYPES[change.kind]!;
    return Rng.for(this.ctx.seed, 'activity-type', i).weighted(TYPES);
  }

  /**
   * Logs what an advance did to people: one activity per person changed, at the advance's end.
   * Returns how many activities that added.
   */
  logPersonChanges(epoch: Epoch, changes: PersonChanges): number {
    const groups = [changes.created, changes.updated, changes.deleted];
    const count = groups.reduce((sum, g) => sum + g.length, 0);
    if (count === 0) return 0;
    const people = new Int32Array(count);
    const kinds = new Uint8Array(count);
    let k = 0;
    groups.forEach((group, kind) => {
      for (const person of group) {
        people[k] = person;
        kinds[k++] = kind;
      }
    });
    this.changeBlocks.push({ start: this.table.addAtEnd(epoch, count), epoch, people, kinds });
    return count;
  }

  /** The change an activity logs, when it is one of an advance's change blocks. */
  private changeAt(i: number): { block: ChangeBlock; person: number; kind: number } | undefined {
    for (const block of this.changeBlocks) {
      const k = i - block.start;
      if (k >= 0 && k < block.people.length) {
        return { block, person: block.people[k]!, kind: block.kinds[k]! };
      }
    }
    return undefined;
  }

  private changeActivity(
    i: number,
    change: { block: ChangeBlock; person: number; kind: number },
  ): JsonObject {
    const timestamp = change.block.epoch.to;
    const type = PERSON_CHANGE_TYPES[change.kind]!;
    const who = this.customers.identity(change.person);
    const activity: JsonObject = {
      id: this.ulid(i, timestamp),
      type,
      timestamp,
      customer_id: who.id,
      customer_identifiers: { id: who.id, email: who.email, cio_id: who.cio_id },
    };
    if (type === 'attribute_change') {
      // What an update changes (customers.ts): the plan, and the last login.
      activity.data = { last_login: { from: '', to: String(timestamp) } };
    }
    return activity;
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
    const change = this.changeAt(i);
    if (change) return this.changeActivity(i, change);
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
