/**
 * ESP suppression lists, one index-generated table per type, oldest first. At scale >= 1 the
 * bounces list holds an exact multiple of 1000 rows (the max page size) so the last full page is
 * followed by an empty one (`suppressions: null` live, `[]` in the spec shapes); below scale 1 it
 * is a multiple of 100 (the default page size).
 */
import { DAY, scaled, type WorldContext } from './context.js';
import { IndexedTable } from './indexed-table.js';
import { Rng } from './prng.js';
import type { JsonObject, SuppressionType } from './types.js';
import { BOUNCE_REASONS, EMAIL_DOMAINS } from './vocab.js';

const SPAN = 400 * DAY;

/** The `category` the envelope carries (the vendor documents only bounces|spam). */
export const SUPPRESSION_CATEGORY: Record<SuppressionType, string> = {
  blocks: 'blocks',
  bounces: 'bounces',
  spam_reports: 'spam',
  invalid_emails: 'invalid_emails',
};

export function suppressionCount(type: SuppressionType, scale: number): number {
  switch (type) {
    case 'bounces':
      return scale >= 1 ? 1000 * Math.round(scale) : Math.max(100, 100 * Math.round(scale * 10));
    case 'spam_reports':
      return scaled(120, scale);
    case 'blocks':
      return scaled(57, scale);
    case 'invalid_emails':
      return scaled(23, scale);
  }
}

export class SuppressionTable {
  readonly table: IndexedTable;

  constructor(
    private readonly ctx: WorldContext,
    readonly type: SuppressionType,
    count: number,
  ) {
    this.table = new IndexedTable(ctx.timeline, {
      tag: `suppressions.${type}`,
      baseCount: count,
      updatable: false,
      // Bulk imports share timestamps: ten rows per second-slot.
      baseTime: (i) => ctx.start - SPAN + Math.floor((Math.floor(i / 10) * 10 * SPAN) / count),
    });
  }

  get(i: number): JsonObject | undefined {
    if (this.table.fate(i).deleted) return undefined;
    const rng = Rng.for(this.ctx.seed, 'suppression', this.type, i);
    const prefix = {
      blocks: 'blocked',
      bounces: 'bounced',
      spam_reports: 'complainer',
      invalid_emails: 'invalid',
    }[this.type];
    const local = i % 9 === 4 ? `${prefix}.Person+${i}` : `${prefix}.person.${i}`;
    return {
      email:
        this.type === 'invalid_emails' && i % 5 === 0
          ? `${local}@@example..com`
          : `${local}@${rng.pick(EMAIL_DOMAINS)}`,
      created: this.table.createdAt(i),
      reason: this.type === 'spam_reports' ? 'Marked as spam by recipient' : rng.pick(BOUNCE_REASONS),
      status: this.type === 'bounces' ? rng.pick(['550', '552', '554']) : this.type === 'blocks' ? '554' : '',
    };
  }
}
