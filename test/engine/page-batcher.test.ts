import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CioError } from '../../src/core/errors.js';
import type { StreamBookmark } from '../../src/core/state.js';
import { createDuckDbSink } from '../../src/destinations/duckdb/duckdb-sink.js';
import { PageBatcher } from '../../src/engine/page-batcher.js';
import type { Sink, StreamSpec } from '../../src/engine/sink.js';
import type { Row } from '../../src/streams/types.js';
import { queryDuckDb } from '../helpers/duckdb.js';
import { scratchDir } from '../helpers/scratch-dir.js';

const dir = scratchDir('batcher');

const spec: StreamSpec = {
  name: 'items',
  primaryKey: ['id'],
  method: 'full_table',
  schema: {
    type: 'object',
    properties: {
      id: { type: 'integer' },
      _cio_synced_at: { type: ['string', 'null'], format: 'date-time' },
      _cio_deleted_at: { type: ['string', 'null'], format: 'date-time' },
    },
  },
};

const page = (n: number, size = 100): Row[] => Array.from({ length: size }, (_, i) => ({ id: n * 1000 + i }));
const bookmarkAfter = (n: number): StreamBookmark => ({
  resume: { read_started_at: '2026-01-01T00:00:00.000Z', position: { next: `page-${n}` } },
});

interface Observed {
  sink: Sink;
  /** What reached the database, in order: rows per write (0: a bookmark alone) and its position. */
  commits: { rows: number; position: unknown }[];
  file: string;
  /** Holds every write until released. */
  hold(): () => void;
  failNextWrite(): void;
}

/** A real DuckDB sink whose writes are recorded, and can be held back or made to fail. */
async function observedSink(): Promise<Observed> {
  const file = join(dir, `${randomUUID()}.duckdb`);
  const real = createDuckDbSink({ path: file });
  await real.open({ runId: randomUUID(), startedAt: new Date(), streams: [spec] });
  await real.prepareStream(spec);
  const commits: Observed['commits'] = [];
  let gate: Promise<void> = Promise.resolve();
  let fail = false;
  const sink: Sink = {
    capabilities: real.capabilities,
    open: (run) => real.open(run),
    prepareStream: (s) => real.prepareStream(s),
    completeFullTable: (s, done, bookmark) => real.completeFullTable(s, done, bookmark),
    close: (outcome) => real.close(outcome),
    async write(s, rows, bookmark) {
      await gate;
      if (fail) {
        fail = false;
        // The destination refuses the batch: nothing of it is committed.
        throw new CioError('CIO_ERR_DESTINATION', 'DuckDB: writing the batch failed: refused by the test');
      }
      const result = await real.write(s, rows, bookmark);
      commits.push({ rows: rows.length, position: bookmark.resume?.position });
      return result;
    },
    async saveBookmark(s, bookmark) {
      await gate;
      await real.saveBookmark(s, bookmark);
      commits.push({ rows: 0, position: bookmark.resume?.position });
    },
  };
  return {
    sink,
    commits,
    file,
    hold() {
      let release = (): void => {};
      gate = new Promise((resolve) => {
        release = resolve;
      });
      return release;
    },
    failNextWrite() {
      fail = true;
    },
  };
}

async function stored(o: Observed): Promise<{ rows: number; position: unknown }> {
  await o.sink.close({ status: 'succeeded', finishedAt: new Date(), streams: {} });
  const [count] = await queryDuckDb(o.file, 'SELECT count(*)::INTEGER AS n FROM items');
  const [state] = await queryDuckDb(
    o.file,
    "SELECT bookmark::VARCHAR AS b FROM _cio_state WHERE stream = 'items'",
  );
  const bookmark = JSON.parse(String(state?.b)) as StreamBookmark;
  return { rows: Number(count?.n), position: bookmark.resume?.position };
}

describe('PageBatcher', () => {
  it('gathers pages until the batch holds maxRows, and writes each batch with its last page`s bookmark', async () => {
    const o = await observedSink();
    const batcher = new PageBatcher(o.sink, spec, { maxRows: 250, maxAgeMs: 60_000 });
    for (let n = 1; n <= 7; n++) await batcher.add(page(n), bookmarkAfter(n));
    await batcher.flush();
    expect(o.commits).toEqual([
      { rows: 300, position: { next: 'page-3' } },
      { rows: 300, position: { next: 'page-6' } },
      { rows: 100, position: { next: 'page-7' } },
    ]);
    expect(batcher.written).toBe(700);
    expect(await stored(o)).toEqual({ rows: 700, position: { next: 'page-7' } });
  });

  it('with maxRows 1 commits every page, an empty one as a bookmark alone', async () => {
    const o = await observedSink();
    const batcher = new PageBatcher(o.sink, spec, { maxRows: 1, maxAgeMs: 60_000 });
    await batcher.add(page(1), bookmarkAfter(1));
    await batcher.add([], bookmarkAfter(2));
    await batcher.add(page(3, 5), bookmarkAfter(3));
    await batcher.flush();
    expect(o.commits).toEqual([
      { rows: 100, position: { next: 'page-1' } },
      { rows: 0, position: { next: 'page-2' } },
      { rows: 5, position: { next: 'page-3' } },
    ]);
    expect(await stored(o)).toEqual({ rows: 105, position: { next: 'page-3' } });
  });

  it('commits a batch that has gathered for maxAgeMs even if it is small', async () => {
    const o = await observedSink();
    const batcher = new PageBatcher(o.sink, spec, { maxRows: 10_000, maxAgeMs: 30 });
    await batcher.add(page(1, 10), bookmarkAfter(1));
    await new Promise((resolve) => setTimeout(resolve, 60));
    await batcher.add(page(2, 10), bookmarkAfter(2));
    await batcher.add(page(3, 10), bookmarkAfter(3));
    await batcher.flush();
    expect(o.commits).toEqual([
      { rows: 20, position: { next: 'page-2' } },
      { rows: 10, position: { next: 'page-3' } },
    ]);
  });

  it('goes on gathering while a batch is written, one write at a time and in order', async () => {
    const o = await observedSink();
    const batcher = new PageBatcher(o.sink, spec, { maxRows: 100, maxAgeMs: 60_000 });
    const release = o.hold();
    // The first page starts its write (held); the second gathers; the third must wait for the first.
    await batcher.add(page(1), bookmarkAfter(1));
    const third = (async () => {
      await batcher.add(page(2, 50), bookmarkAfter(2));
      await batcher.add(page(3, 50), bookmarkAfter(3));
    })();
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(o.commits).toEqual([]);
    release();
    await third;
    await batcher.flush();
    expect(o.commits).toEqual([
      { rows: 100, position: { next: 'page-1' } },
      { rows: 100, position: { next: 'page-3' } },
    ]);
  });

  it('throws a failed write at the first page added after it fails, without waiting for a full batch', async () => {
    const o = await observedSink();
    const batcher = new PageBatcher(o.sink, spec, { maxRows: 100, maxAgeMs: 60_000 });
    o.failNextWrite();
    await batcher.add(page(1), bookmarkAfter(1));
    await expect(batcher.flush()).rejects.toMatchObject({ code: 'CIO_ERR_DESTINATION' });
    await expect(batcher.add(page(2, 1), bookmarkAfter(2))).rejects.toMatchObject({
      code: 'CIO_ERR_DESTINATION',
    });
    expect(o.commits).toEqual([]);
  });

  it('throws a failed write at the next call and writes nothing after it', async () => {
    const o = await observedSink();
    const batcher = new PageBatcher(o.sink, spec, { maxRows: 100, maxAgeMs: 60_000 });
    await batcher.add(page(1), bookmarkAfter(1));
    await batcher.flush();
    o.failNextWrite();
    await batcher.add(page(2), bookmarkAfter(2));
    await expect(batcher.add(page(3), bookmarkAfter(3))).rejects.toMatchObject({
      code: 'CIO_ERR_DESTINATION',
    });
    expect(o.commits).toEqual([{ rows: 100, position: { next: 'page-1' } }]);
    expect(await stored(o)).toEqual({ rows: 100, position: { next: 'page-1' } });
  });

  describe('with a sink that stages pages itself', () => {
    /** The real DuckDB sink, its stage and commit calls recorded; `failStage` makes one page fail to load. */
    async function stagingSink() {
      const o = await observedSink();
      await o.sink.close({ status: 'succeeded', finishedAt: new Date(), streams: {} });
      const real = createDuckDbSink({ path: o.file });
      await real.open({ runId: randomUUID(), startedAt: new Date(), streams: [spec] });
      const calls: string[] = [];
      let failPage: number | undefined;
      const sink: Sink = {
        ...o.sink,
        write: (s, rows, bookmark) => real.write(s, rows, bookmark),
        close: (outcome) => real.close(outcome),
        async stage(s, rows, bookmark) {
          const position = JSON.stringify(bookmark.resume?.position);
          if (failPage !== undefined && position.includes(`page-${failPage}"`)) {
            throw new CioError('CIO_ERR_DESTINATION', 'staging failed');
          }
          const result = (await real.stage?.(s, rows, bookmark)) ?? { written: 0, unchanged: 0 };
          calls.push(`stage ${rows.length}`);
          return result;
        },
        async commit(s) {
          const result = (await real.commit?.(s)) ?? { written: 0, unchanged: 0 };
          calls.push(`commit ${result.written}`);
          return result;
        },
      };
      return {
        ...o,
        sink,
        calls,
        failStage(page: number) {
          failPage = page;
        },
      };
    }

    it('hands over every page as it arrives and commits once the batch holds maxRows', async () => {
      const o = await stagingSink();
      const batcher = new PageBatcher(o.sink, spec, { maxRows: 250, maxAgeMs: 60_000 });
      for (let n = 1; n <= 7; n++) await batcher.add(page(n), bookmarkAfter(n));
      await batcher.flush();
      // Merges run beside the loading of later pages, so only each kind's own order is fixed.
      expect(o.calls.filter((call) => call.startsWith('stage'))).toHaveLength(7);
      expect(o.calls.filter((call) => call.startsWith('commit'))).toEqual([
        'commit 300',
        'commit 300',
        'commit 100',
      ]);
      expect(batcher.written).toBe(700);
      expect(await stored(o)).toEqual({ rows: 700, position: { next: 'page-7' } });
    });

    it('throws a page that failed to stage at the next call, and commits nothing once it knows', async () => {
      const o = await stagingSink();
      const batcher = new PageBatcher(o.sink, spec, { maxRows: 150, maxAgeMs: 60_000 });
      o.failStage(4);
      for (let n = 1; n <= 3; n++) await batcher.add(page(n), bookmarkAfter(n));
      // Page 4 fills the batch: its commit is asked for before the page's failure is known, and the
      // sink commits the batch as far as it loaded (page 3).
      await batcher.add(page(4), bookmarkAfter(4)).catch(() => undefined);
      await expect(batcher.add(page(5), bookmarkAfter(5))).rejects.toMatchObject({
        message: 'staging failed',
      });
      await expect(batcher.flush()).rejects.toMatchObject({ message: 'staging failed' });
      // flush, knowing of the failure, commits nothing more.
      expect(o.calls.filter((call) => call.startsWith('stage'))).toHaveLength(3);
      expect(o.calls.filter((call) => call.startsWith('commit'))).toEqual(['commit 200', 'commit 100']);
      expect(await stored(o)).toEqual({ rows: 300, position: { next: 'page-3' } });
    });
  });
});
