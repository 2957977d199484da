/**
 * The world's clock and the history of `advance` calls. Big tables do not store their changes:
 * each advance is an epoch, and whether a record was updated or deleted in it is a hash of
 * (seed, table, index, epoch) compared with the epoch's fractions, so the overlay costs O(epochs)
 * memory however large the table is.
 */

export interface Epoch {
  /** 1-based. */
  n: number;
  /** "now" before and after the advance. */
  from: number;
  to: number;
  update: number;
  add: number;
  delete: number;
}

export class Timeline {
  readonly epochs: Epoch[] = [];
  now: number;

  constructor(
    readonly seed: number,
    readonly start: number,
  ) {
    this.now = start;
  }

  begin(seconds: number, update: number, add: number, del: number): Epoch {
    const epoch: Epoch = {
      n: this.epochs.length + 1,
      from: this.now,
      to: this.now + seconds,
      update,
      add,
      delete: del,
    };
    this.epochs.push(epoch);
    this.now = epoch.to;
    return epoch;
  }
}
