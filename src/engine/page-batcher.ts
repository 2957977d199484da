import type { Sink, StreamSpec } from '../sinks/sink.js';
import type { Row } from '../streams/types.js';
import type { StreamBookmark } from './state.js';

export interface BatchPolicy {
  /** A batch is written once it holds this many rows (1: every page on its own). */
  maxRows: number;
  /** ...or once its first page is this old, so a slow table still commits its progress often. */
  maxAgeMs: number;
}

const ignore = (): void => {};

/**
 * Gathers a stream's pages into batches and writes each batch with the bookmark of its last page, so
 * a database pays its per-transaction cost once per batch rather than once per page. A batch is written
 * while the reader goes on filling the next one; writes stay in order, one at a time, and the first
 * failure is thrown by the next call. Progress is only what has been written: rows still gathering are
 * read again after a crash, from the bookmark of the last written batch.
 */
export class PageBatcher {
  private rows: Row[] = [];
  private bookmark: StreamBookmark | undefined;
  private startedAt = 0;
  private writing: Promise<void> = Promise.resolve();
  /** Set once a write has failed, so the reader stops at its next page instead of reading on. */
  private failed = false;
  /** Rows the destination inserted or changed so far (written batches only). */
  written = 0;

  constructor(
    private readonly sink: Sink,
    private readonly spec: StreamSpec,
    private readonly policy: BatchPolicy,
    private readonly onCommitted: () => void = ignore,
  ) {}

  /** Adds a page's rows (possibly none) and the bookmark that resumes after that page. */
  async add(rows: readonly Row[], bookmark: StreamBookmark): Promise<void> {
    if (this.failed) await this.writing;
    if (this.bookmark === undefined) this.startedAt = Date.now();
    for (const row of rows) this.rows.push(row);
    this.bookmark = bookmark;
    // maxRows 1 commits every page, even one the filters left empty.
    const full = this.rows.length >= this.policy.maxRows || this.policy.maxRows <= 1;
    if (full || Date.now() - this.startedAt >= this.policy.maxAgeMs) await this.startWrite();
  }

  /** Writes what is gathered and waits for every write to finish. */
  async flush(): Promise<void> {
    await this.startWrite();
    await this.writing;
  }

  /** Starts writing the gathered batch once the previous write is done; returns when it has started. */
  private async startWrite(): Promise<void> {
    const bookmark = this.bookmark;
    if (bookmark === undefined) return;
    const rows = this.rows;
    this.rows = [];
    this.bookmark = undefined;
    // The previous write must succeed before this one starts: its failure ends the stream here.
    await this.writing;
    const write =
      rows.length > 0
        ? this.sink.write(this.spec, rows, bookmark).then((result) => {
            this.written += result.written;
          })
        : this.sink.saveBookmark(this.spec, bookmark);
    this.writing = write.then(() => this.onCommitted());
    // Awaited by the next call; until then its failure must not count as unhandled.
    this.writing.catch(() => {
      this.failed = true;
    });
  }
}
