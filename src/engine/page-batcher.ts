import type { StreamBookmark } from '../core/state.js';
import type { Row } from '../streams/types.js';
import type { RejectedRecord, Sink, StreamSpec, WriteResult } from './sink.js';

export interface BatchPolicy {
  /** A batch is written once it holds this many rows (1: every page on its own). */
  maxRows: number;
  /** ...or once its first page is this old, so a slow table still commits its progress often. */
  maxAgeMs: number;
}

/**
 * Pages handed to a staging sink and not yet loaded. The reader waits beyond this, so a slow
 * destination holds a few pages in memory, never a whole batch.
 */
const MAX_PAGES_IN_FLIGHT = 4;

const ignore = (): void => {};

/**
 * Gathers a stream's pages into batches and commits each batch with the bookmark of its last page, so
 * a database pays its per-transaction cost once per batch rather than once per page. Progress is only
 * what has been committed: pages of an open batch are read again after a crash, from the bookmark of
 * the last committed one. The first failure is thrown by the next call.
 *
 * A sink that can stage (databases) gets each page as it arrives and holds the open batch itself, so
 * the batch size costs no memory here. Any other sink gets the gathered rows in one write; a batch is
 * written while the reader goes on filling the next one, one write at a time.
 */
export class PageBatcher {
  private rows: Row[] = [];
  private rejected: RejectedRecord[] = [];
  private gathered = 0;
  private bookmark: StreamBookmark | undefined;
  private startedAt = 0;
  /** Sink operations not yet settled. */
  private readonly pending = new Set<Promise<void>>();
  /** Pages handed to a staging sink and not yet loaded, oldest first. */
  private loading: Promise<void>[] = [];
  private failure: { error: unknown } | undefined;
  /** Rows the destination inserted or changed so far (committed batches only). */
  written = 0;
  /** Records the sink itself set aside so far (committed batches only). */
  rejectedBySink = 0;
  /** Values that did not fit their declared type and went out another way (committed batches only). */
  coerced = 0;

  constructor(
    private readonly sink: Sink,
    private readonly spec: StreamSpec,
    private readonly policy: BatchPolicy,
    private readonly onCommitted: () => void = ignore,
  ) {}

  /**
   * Adds a page's rows (possibly none), the records of it that were rejected, and the bookmark that
   * resumes after that page.
   */
  async add(
    rows: readonly Row[],
    bookmark: StreamBookmark,
    rejected: readonly RejectedRecord[] = [],
  ): Promise<void> {
    this.throwIfFailed();
    if (this.bookmark === undefined) this.startedAt = Date.now();
    this.bookmark = bookmark;
    this.gathered += rows.length;
    if (this.sink.stage) {
      const staged = this.track(
        this.sink.stage(this.spec, [...rows], bookmark, rejected).then((r) => this.count(r)),
      );
      // Only pages count here: a batch merging must not hold up the reader.
      this.loading.push(staged);
      while (this.loading.length > MAX_PAGES_IN_FLIGHT) await this.loading.shift()?.catch(ignore);
      this.throwIfFailed();
    } else {
      for (const row of rows) this.rows.push(row);
      for (const record of rejected) this.rejected.push(record);
    }
    // maxRows 1 commits every page, even one the filters left empty.
    const full = this.gathered >= this.policy.maxRows || this.policy.maxRows <= 1;
    if (full || Date.now() - this.startedAt >= this.policy.maxAgeMs) await this.commitOpen();
  }

  /**
   * Commits what is gathered and waits for every operation to finish; throws the first failure.
   * After a failed operation nothing more is committed: the open batch may miss rows.
   */
  async flush(): Promise<void> {
    if (this.failure === undefined) await this.commitOpen();
    await this.settle();
    this.loading = [];
    this.throwIfFailed();
  }

  /** Starts committing the open batch; returns when it has started. */
  private async commitOpen(): Promise<void> {
    const bookmark = this.bookmark;
    if (bookmark === undefined) return;
    const rows = this.rows;
    const rejected = this.rejected;
    this.rows = [];
    this.rejected = [];
    this.gathered = 0;
    this.bookmark = undefined;
    if (this.sink.commit) {
      this.track(this.sink.commit(this.spec).then((result) => this.committed(result)));
      return;
    }
    // The previous write must succeed before this one starts: its failure ends the stream here.
    await this.settle();
    this.throwIfFailed();
    const write =
      rows.length > 0 || (rejected.length > 0 && this.sink.capabilities.storesRejected)
        ? this.sink.write(this.spec, rows, bookmark, rejected)
        : this.sink.saveBookmark(this.spec, bookmark).then(() => undefined);
    this.track(write.then((result) => this.committed(result)));
  }

  private track(operation: Promise<void>): Promise<void> {
    const tracked = operation.catch((error: unknown) => {
      this.failure ??= { error };
      throw error;
    });
    // Awaited by a later call; until then its failure must not count as unhandled.
    tracked.catch(ignore);
    this.pending.add(tracked);
    tracked.finally(() => this.pending.delete(tracked)).catch(ignore);
    return tracked;
  }

  /** Waits until every operation so far has settled (failures are recorded, not thrown). */
  private async settle(): Promise<void> {
    await Promise.all([...this.pending].map((operation) => operation.catch(ignore)));
  }

  private count(result: WriteResult | undefined): void {
    if (result) {
      this.written += result.written;
      this.rejectedBySink += result.rejected ?? 0;
      this.coerced += result.coerced ?? 0;
    }
  }

  private committed(result: WriteResult | undefined): void {
    this.count(result);
    this.onCommitted();
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure.error;
  }
}
