import cliProgress from 'cli-progress';
import type { SyncEvent } from '../engine/events.js';
import { renderLiveView } from './progress-view.js';
import { SyncProgress } from './sync-progress.js';

/** How often the view is redrawn when no event moves it (the elapsed time and the rate still do). */
const TICK_MS = 500;

/**
 * The live view on a terminal: the overall line and a line per table, redrawn in place. `stop`
 * erases it, so the final summary takes its place instead of following it.
 */
export class ProgressDisplay {
  private readonly multi: cliProgress.MultiBar;
  private readonly lines: cliProgress.SingleBar[];
  private readonly progress: SyncProgress;
  private readonly timer: NodeJS.Timeout;

  constructor(
    streams: readonly string[],
    planned?: number,
    /** The terminal (tests pass a recording one). */
    output: NodeJS.WritableStream = process.stderr,
  ) {
    this.progress = new SyncProgress(streams, Date.now(), planned);
    this.multi = new cliProgress.MultiBar({
      // Each "bar" is one line of the rendered view, as rendered.
      format: (_options, _params, payload: { text?: string }) => payload.text ?? '',
      hideCursor: true,
      clearOnComplete: true,
      // Every line on every redraw: a line logged above the view shifts it down, and a line skipped
      // as unchanged would leave the old text of the line above it.
      forceRedraw: true,
      stopOnComplete: false,
      fps: 5,
      stream: output,
    });
    this.lines = renderLiveView(this.progress, Date.now()).map((text) => this.multi.create(1, 0, { text }));
    this.timer = setInterval(() => this.redraw(), TICK_MS);
    this.timer.unref();
  }

  handle(event: SyncEvent): void {
    this.progress.handle(event, Date.now());
    this.redraw();
  }

  private redraw(): void {
    const texts = renderLiveView(this.progress, Date.now());
    texts.forEach((text, i) => {
      this.lines[i]?.update(0, { text });
    });
  }

  /** Prints a line above the live lines (writing to stderr directly would tear them). */
  log(line: string): void {
    this.multi.log(`${line}\n`);
  }

  /** Erases the live view (after printing the lines logged since its last redraw). */
  stop(): void {
    clearInterval(this.timer);
    this.multi.update();
    this.multi.stop();
  }
}
