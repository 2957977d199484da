import type { Writable } from 'node:stream';
import type { SyncEvent } from '../../engine/events.js';

export interface SingerMetricsOptions {
  /** Where METRIC lines go: stderr, never the message stream. */
  err: Writable;
  /** How often running counters are logged (the Meltano SDK's default is 60 s); 0 disables. */
  intervalMs?: number;
}

interface StreamCounters {
  /** Records emitted and not yet logged. */
  records: number;
  /** Requests reported by the engine so far, and how many of them were already logged. */
  requests: number;
  requestsLogged: number;
}

/**
 * Singer metric counters (`INFO METRIC: {...}` on stderr, as singer-python logs them): record_count
 * per stream and http_request_count per stream, logged periodically and when a stream ends.
 */
export class SingerMetrics {
  private readonly err: Writable;
  private readonly counters = new Map<string, StreamCounters>();
  private readonly timer: NodeJS.Timeout | undefined;

  constructor(options: SingerMetricsOptions) {
    this.err = options.err;
    const interval = options.intervalMs ?? 60_000;
    if (interval > 0) {
      this.timer = setInterval(() => this.flushAll(), interval);
      this.timer.unref();
    }
  }

  private countersOf(stream: string): StreamCounters {
    let counters = this.counters.get(stream);
    if (!counters) {
      counters = { records: 0, requests: 0, requestsLogged: 0 };
      this.counters.set(stream, counters);
    }
    return counters;
  }

  countRecords(stream: string, records: number): void {
    this.countersOf(stream).records += records;
  }

  /** Takes the engine's events: `page` carries the stream's requests so far, completion the total. */
  onEvent(event: SyncEvent): void {
    if (event.type === 'page') {
      const counters = this.countersOf(event.stream);
      counters.requests = Math.max(counters.requests, event.requests);
    } else if (event.type === 'stream_completed') {
      const counters = this.countersOf(event.stream);
      counters.requests = Math.max(counters.requests, event.stats.requests);
      this.flush(event.stream, true);
    } else if (event.type === 'stream_failed' || event.type === 'stream_skipped') {
      this.flush(event.stream, true);
    }
  }

  private flush(stream: string, closing: boolean): void {
    const counters = this.countersOf(stream);
    if (counters.records > 0 || closing) {
      this.log('counter', 'record_count', counters.records, { stream });
      counters.records = 0;
    }
    const requests = counters.requests - counters.requestsLogged;
    if (requests > 0 || closing) {
      this.log('counter', 'http_request_count', requests, { stream, endpoint: stream });
      counters.requestsLogged = counters.requests;
    }
  }

  private flushAll(): void {
    for (const stream of this.counters.keys()) this.flush(stream, false);
  }

  /** The whole run's duration, and the last counts of streams that never reported an end. */
  close(status: 'succeeded' | 'failed', seconds: number): void {
    if (this.timer) clearInterval(this.timer);
    this.flushAll();
    this.log('timer', 'sync_duration', seconds, { status });
  }

  private log(type: 'counter' | 'timer', metric: string, value: number, tags: Record<string, string>): void {
    this.err.write(
      `INFO METRIC: ${JSON.stringify({ type, metric, value, tags: { ...tags, pid: process.pid } })}\n`,
    );
  }
}
