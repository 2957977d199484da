/**
 * A table too large to hold in memory: record i is a pure function of i, and `advance` only
 * appends epochs (see timeline.ts). Raw indexes never move: base records are 0..baseCount-1,
 * records added by epoch k follow those of epoch k-1, and a deleted index simply stops being
 * served. Creation times are non-decreasing in the raw index, so a time range is an index range.
 */
import { hash32, hashNumber, unitHash } from './prng.js';
import type { Epoch, Timeline } from './timeline.js';

export interface Fate {
  deleted: boolean;
  /** The last epoch that updated the record, if any. */
  updatedIn: Epoch | undefined;
}

/** The fate of a record no epoch touched (shared: callers never mutate a Fate). */
const UNTOUCHED: Fate = Object.freeze({ deleted: false, updatedIn: undefined });

interface Addition {
  epoch: Epoch;
  start: number;
  count: number;
  /** Every record of the block is created at the epoch's end, and no later epoch touches it. */
  atEnd: boolean;
}

export interface IndexedTableOptions {
  /** Hash input distinguishing this table from the others. */
  tag: string;
  baseCount: number;
  /** False for immutable events (activities, suppressions): updates never touch them. */
  updatable: boolean;
  /** Creation time of base record i; must be non-decreasing in i and <= timeline.start. */
  baseTime: (index: number) => number;
}

export class IndexedTable {
  private readonly additions: Addition[] = [];
  readonly tag: string;
  readonly baseCount: number;
  private readonly updatable: boolean;
  private readonly baseTime: (index: number) => number;
  private readonly delPrefix: number;
  private readonly updPrefix: number;

  constructor(
    private readonly timeline: Timeline,
    options: IndexedTableOptions,
  ) {
    this.tag = options.tag;
    this.baseCount = options.baseCount;
    this.updatable = options.updatable;
    this.baseTime = options.baseTime;
    this.delPrefix = hash32(timeline.seed, this.tag, 'del');
    this.updPrefix = hash32(timeline.seed, this.tag, 'upd');
  }

  /** One past the highest raw index ever created (deleted ones included). */
  rawCount(): number {
    const last = this.additions[this.additions.length - 1];
    return last ? last.start + last.count : this.baseCount;
  }

  /** Appends the records an epoch adds; their creation times spread over (from, to]. */
  addIn(epoch: Epoch, count: number): void {
    if (count > 0) this.additions.push({ epoch, start: this.rawCount(), count, atEnd: false });
  }

  /**
   * Appends records the epoch's own changes caused (the activities logging them), created at its
   * end, after every record it added with addIn, and kept from later updates and deletions. Returns
   * the raw index of the first.
   */
  addAtEnd(epoch: Epoch, count: number): number {
    const start = this.rawCount();
    if (count > 0) this.additions.push({ epoch, start, count, atEnd: true });
    return start;
  }

  private additionOf(index: number): Addition | undefined {
    if (index < this.baseCount) return undefined;
    let lo = 0;
    let hi = this.additions.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const a = this.additions[mid]!;
      if (index < a.start) hi = mid - 1;
      else if (index >= a.start + a.count) lo = mid + 1;
      else return a;
    }
    return undefined;
  }

  /** The epoch that created the record (undefined for the initial world). */
  bornIn(index: number): Epoch | undefined {
    return this.additionOf(index)?.epoch;
  }

  exists(index: number): boolean {
    return Number.isInteger(index) && index >= 0 && index < this.rawCount();
  }

  createdAt(index: number): number {
    const a = this.additionOf(index);
    if (!a) return this.baseTime(index);
    if (a.atEnd) return a.epoch.to;
    const span = a.epoch.to - a.epoch.from;
    return a.epoch.from + Math.ceil(((index - a.start + 1) * span) / a.count);
  }

  fate(index: number): Fate {
    const epochs = this.timeline.epochs;
    if (epochs.length === 0) return UNTOUCHED;
    const addition = this.additionOf(index);
    if (addition?.atEnd) return UNTOUCHED;
    const born = addition?.epoch.n ?? 0;
    let updatedIn: Epoch | undefined;
    // unitHash(seed, tag, 'del' | 'upd', index, epoch.n), from prefixes hashed once.
    const del = hashNumber(this.delPrefix, index);
    const upd = hashNumber(this.updPrefix, index);
    for (const epoch of epochs) {
      if (epoch.n <= born) continue;
      if (epoch.delete > 0 && hashNumber(del, epoch.n) / 4294967296 < epoch.delete) {
        return { deleted: true, updatedIn };
      }
      if (this.updatable && epoch.update > 0 && hashNumber(upd, epoch.n) / 4294967296 < epoch.update) {
        updatedIn = epoch;
      }
    }
    return updatedIn === undefined ? UNTOUCHED : { deleted: false, updatedIn };
  }

  /** Counts what `epoch` did to records that existed before it. */
  countChanges(epoch: Epoch): { updated: number; deleted: number } {
    const changes = this.changesIn(epoch);
    return { updated: changes.updated.length, deleted: changes.deleted.length };
  }

  /** The raw indexes of the records that existed before `epoch` and that it updated or deleted. */
  changesIn(epoch: Epoch): { updated: number[]; deleted: number[] } {
    const updated: number[] = [];
    const deleted: number[] = [];
    const end = this.rawCount();
    for (let i = 0; i < end; i++) {
      const born = this.bornIn(i)?.n ?? 0;
      if (born >= epoch.n) break;
      const fate = this.fate(i);
      if (fate.deleted) {
        // Deleted in this very epoch (and not before) counts; earlier deletions do not.
        if (
          unitHash(this.timeline.seed, this.tag, 'del', i, epoch.n) < epoch.delete &&
          this.aliveBefore(i, epoch)
        )
          deleted.push(i);
      } else if (fate.updatedIn?.n === epoch.n) {
        updated.push(i);
      }
    }
    return { updated, deleted };
  }

  private aliveBefore(index: number, epoch: Epoch): boolean {
    const born = this.bornIn(index)?.n ?? 0;
    for (const e of this.timeline.epochs) {
      if (e.n >= epoch.n) break;
      if (e.n <= born) continue;
      if (e.delete > 0 && unitHash(this.timeline.seed, this.tag, 'del', index, e.n) < e.delete) return false;
    }
    return true;
  }

  /** Live records (deleted excluded, no time window applied). */
  liveCount(): number {
    const end = this.rawCount();
    if (!this.timeline.epochs.some((e) => e.delete > 0)) return end;
    let live = 0;
    for (let i = 0; i < end; i++) if (!this.fate(i).deleted) live++;
    return live;
  }

  /** First raw index whose creation time is >= t. */
  firstAtOrAfter(t: number): number {
    let lo = 0;
    let hi = this.rawCount();
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.createdAt(mid) >= t) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /** First raw index whose creation time is > t. */
  firstAfter(t: number): number {
    return this.firstAtOrAfter(t + 1);
  }
}
