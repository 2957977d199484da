import cliProgress from 'cli-progress';
import type { SyncEvent } from '../engine/events.js';

interface Line {
  bar: cliProgress.SingleBar;
  pages: number;
  rows: number;
  requests: number;
  startedAt: number;
  /** Tables read per parent: "  parents done/total", else empty. */
  parents: string;
}

/** A live line per table on a terminal: status, rows, pages (parents done of all), requests per second. */
export class ProgressDisplay {
  private readonly multi: cliProgress.MultiBar;
  private readonly lines = new Map<string, Line>();

  constructor(streams: readonly string[]) {
    this.multi = new cliProgress.MultiBar(
      {
        format: ' {stream} {status} rows {rows}  pages {pages}{parents}  {rps} req/s',
        hideCursor: true,
        clearOnComplete: false,
        stopOnComplete: false,
        fps: 5,
        stream: process.stderr,
      },
      cliProgress.Presets.shades_classic,
    );
    const width = Math.max(...streams.map((s) => s.length));
    for (const stream of streams) {
      const bar = this.multi.create(1, 0, {
        stream: stream.padEnd(width),
        status: 'waiting '.padEnd(9),
        rows: 0,
        pages: 0,
        parents: '',
        rps: '0.0',
      });
      this.lines.set(stream, { bar, pages: 0, rows: 0, requests: 0, startedAt: Date.now(), parents: '' });
    }
  }

  handle(event: SyncEvent): void {
    if (event.type === 'log') return;
    const line = this.lines.get(event.stream);
    if (!line) return;
    if (event.type === 'stream_started') {
      line.startedAt = Date.now();
      this.update(line, 'reading');
    } else if (event.type === 'page') {
      line.pages += 1;
      if (event.parents) line.parents = `  parents ${event.parents.done}/${event.parents.total}`;
      line.rows = event.totalRows;
      line.requests = event.requests;
      this.update(line, 'reading');
    } else if (event.type === 'stream_completed') {
      line.rows = event.stats.rows;
      line.requests = event.stats.requests;
      this.update(line, 'done');
    } else if (event.type === 'stream_failed') {
      this.update(line, 'FAILED');
    } else if (event.type === 'stream_skipped') {
      this.update(line, 'skipped');
    }
  }

  private update(line: Line, status: string): void {
    const seconds = Math.max((Date.now() - line.startedAt) / 1000, 0.001);
    line.bar.update(status === 'done' ? 1 : 0, {
      status: status.padEnd(9),
      rows: line.rows,
      pages: line.pages,
      parents: line.parents,
      rps: (line.requests / seconds).toFixed(1),
    });
  }

  /** Prints a line above the live lines (writing to stderr directly would tear them). */
  log(line: string): void {
    this.multi.log(`${line}\n`);
  }

  stop(): void {
    this.multi.stop();
  }
}
