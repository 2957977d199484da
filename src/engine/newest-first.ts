/**
 * A list asked for newest first (newsletters, `sort=desc`) whose order is checked, not trusted: a
 * server may ignore the parameter and answer oldest first. A partial read stops early only once
 * its pages have shown a record older than the one before it and none newer; then a page wholly
 * older than the window means every later one is too. Otherwise the read goes on to the end.
 */

import type { ResumePoint } from '../core/state.js';
import type { Row } from '../streams/types.js';
import { toMillis } from './bookmarks.js';

export type ListOrder = NonNullable<ResumePoint['order']>;

export class NewestFirstCheck {
  private state: ListOrder | undefined;
  /** The time of the last record seen, the one the next must not be newer than. */
  private last: number | undefined;

  /** `resumed`: the interrupted attempt's resume point; its order and oldest time carry on. */
  constructor(
    private readonly field: string,
    resumed?: ResumePoint,
  ) {
    this.state = resumed?.order;
    // While the pages came newest first, the oldest time seen is the last record's.
    this.last = this.state === 'descending' ? toMillis(resumed?.min_time) : undefined;
  }

  /** What a page's bookmark keeps, so a resumed read goes on judging from here. */
  get order(): ListOrder | undefined {
    return this.state;
  }

  /** Notes a page's records in the order they came; returns true when it shows the list is not newest first. */
  note(rows: readonly Row[]): boolean {
    const before = this.state;
    for (const row of rows) {
      const ms = toMillis(row[this.field]);
      if (ms === undefined) continue;
      if (this.last !== undefined && ms > this.last) this.state = 'not descending';
      else if (this.last !== undefined && ms < this.last && this.state === undefined)
        this.state = 'descending';
      this.last = ms;
    }
    return this.state === 'not descending' && before !== 'not descending';
  }

  /** Whether the read may end after this page: the list came newest first and the page lies wholly before `since`. */
  endsAt(rows: readonly Row[], since: number): boolean {
    if (this.state !== 'descending' || rows.length === 0) return false;
    return rows.every((row) => {
      const ms = toMillis(row[this.field]);
      return ms !== undefined && ms < since;
    });
  }
}
