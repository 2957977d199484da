import type { Logger } from 'pino';
import type { SyncResult } from '../engine/sync.js';
import type { ServeMetrics } from './metrics.js';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `15m`, `1h`, `90s`, `1h30m`, `0` (never) as milliseconds; undefined for anything else. */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (/^0+$/.test(trimmed)) return 0;
  const parts = [...trimmed.matchAll(/(\d+)(ms|s|m|h|d)/g)];
  if (parts.length === 0 || parts.map((part) => part[0]).join('') !== trimmed) return undefined;
  return parts.reduce((sum, [, amount, unit]) => sum + Number(amount) * (UNIT_MS[unit ?? 's'] ?? 0), 0);
}

/**
 * Runs the incremental sync every `everyMs`, the first at once, in the process that also receives the
 * webhooks (DuckDB allows one writing process). The next run starts `everyMs` after the last one
 * started, or at once if that one took longer; a failed run is logged and the next one comes as usual.
 */
export class SyncSchedule {
  private timer: NodeJS.Timeout | undefined;
  private current: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly everyMs: number,
    private readonly run: () => Promise<SyncResult>,
    private readonly metrics: ServeMetrics,
    private readonly logger: Logger,
  ) {}

  start(): void {
    if (this.everyMs > 0) this.schedule(0);
  }

  /**
   * No run starts any more; resolves once a running one ended (it stops at its next commit point
   * on SIGINT/SIGTERM, which the sync itself listens for).
   */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.current;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.current = this.once();
    }, delayMs);
  }

  private async once(): Promise<void> {
    const started = Date.now();
    this.metrics.syncStarted();
    let status = 'failed';
    try {
      status = (await this.run()).status;
    } catch (error) {
      this.logger.error(`scheduled sync failed: ${(error as Error).message}`);
    } finally {
      const finishedAt = new Date();
      this.metrics.syncFinished({ status, seconds: (finishedAt.getTime() - started) / 1000, finishedAt });
      this.current = undefined;
      this.schedule(Math.max(0, started + this.everyMs - Date.now()));
    }
  }
}
