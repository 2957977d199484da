/** Upper bounds (seconds) of the acknowledgement latency histogram; Customer.io gives up at 4 s. */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 4];

export type EventOutcome = 'stored' | 'duplicate' | 'rejected';

export interface LastSync {
  status: string;
  seconds: number;
  finishedAt: Date;
}

/**
 * The counters of `GET /metrics`. Only counts, outcomes and reasons' categories: never a key, a
 * header or a body.
 */
export class ServeMetrics {
  private received = 0;
  private readonly outcomes = new Map<string, number>();
  private readonly latencyCounts = LATENCY_BUCKETS.map(() => 0);
  private latencyCount = 0;
  private latencySum = 0;
  private lastSync: LastSync | undefined;
  private syncsRunning = 0;

  received1(): void {
    this.received++;
  }

  /** One request's outcome: stored, duplicate, or refused/set aside for `reason` (a fixed category). */
  outcome(outcome: EventOutcome | 'refused', reason?: string): void {
    const key = `${outcome}\u0000${reason ?? ''}`;
    this.outcomes.set(key, (this.outcomes.get(key) ?? 0) + 1);
  }

  count(outcome: EventOutcome | 'refused', reason?: string): number {
    if (reason !== undefined) return this.outcomes.get(`${outcome}\u0000${reason}`) ?? 0;
    let total = 0;
    for (const [key, value] of this.outcomes) if (key.startsWith(`${outcome}\u0000`)) total += value;
    return total;
  }

  /** Time from the request's arrival to its 2xx, which waited for the commit. */
  acknowledged(seconds: number): void {
    this.latencyCount++;
    this.latencySum += seconds;
    LATENCY_BUCKETS.forEach((bound, index) => {
      if (seconds <= bound) this.latencyCounts[index]!++;
    });
  }

  syncStarted(): void {
    this.syncsRunning++;
  }

  syncFinished(sync: LastSync): void {
    this.syncsRunning--;
    this.lastSync = sync;
  }

  /** Prometheus text exposition format 0.0.4. */
  render(rows: Record<string, number>): string {
    const lines: string[] = [];
    const metric = (name: string, type: string, help: string, samples: [string, number][]) => {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
      for (const [labels, value] of samples) lines.push(`${name}${labels} ${value}`);
    };
    metric('cio_webhook_requests_received_total', 'counter', 'Webhook requests received.', [
      ['', this.received],
    ]);
    const byOutcome = (outcome: EventOutcome | 'refused'): [string, number][] =>
      [...this.outcomes]
        .filter(([key]) => key.startsWith(`${outcome}\u0000`))
        .map(([key, value]) => [`{reason="${escapeLabel(key.slice(outcome.length + 1))}"}`, value]);
    metric('cio_webhook_events_stored_total', 'counter', 'Events stored in delivery_events.', [
      ['', this.count('stored')],
    ]);
    metric('cio_webhook_events_duplicate_total', 'counter', 'Events whose event_id was already stored.', [
      ['', this.count('duplicate')],
    ]);
    metric(
      'cio_webhook_events_rejected_total',
      'counter',
      'Signed bodies that are not events, kept in _cio_rejected_events, by reason.',
      byOutcome('rejected'),
    );
    metric(
      'cio_webhook_requests_refused_total',
      'counter',
      'Requests refused (401 bad signature, 413 too large, 503 not stored), by reason.',
      byOutcome('refused'),
    );
    lines.push(
      '# HELP cio_webhook_ack_seconds Time from a request to its 2xx, after the commit.',
      '# TYPE cio_webhook_ack_seconds histogram',
    );
    LATENCY_BUCKETS.forEach((bound, index) => {
      lines.push(`cio_webhook_ack_seconds_bucket{le="${bound}"} ${this.latencyCounts[index]}`);
    });
    lines.push(
      `cio_webhook_ack_seconds_bucket{le="+Inf"} ${this.latencyCount}`,
      `cio_webhook_ack_seconds_sum ${this.latencySum}`,
      `cio_webhook_ack_seconds_count ${this.latencyCount}`,
    );
    metric('cio_sync_running', 'gauge', 'Scheduled syncs running now.', [['', this.syncsRunning]]);
    if (this.lastSync) {
      metric('cio_sync_last_status', 'gauge', 'The last scheduled sync: 1 for its status.', [
        [`{status="${escapeLabel(this.lastSync.status)}"}`, 1],
      ]);
      metric('cio_sync_last_duration_seconds', 'gauge', 'Duration of the last scheduled sync.', [
        ['', this.lastSync.seconds],
      ]);
      metric('cio_sync_last_finished_timestamp_seconds', 'gauge', 'When the last scheduled sync ended.', [
        ['', Math.floor(this.lastSync.finishedAt.getTime() / 1000)],
      ]);
    }
    metric(
      'cio_table_rows',
      'gauge',
      'Rows per table of the destination.',
      Object.entries(rows).map(([table, count]) => [`{table="${escapeLabel(table)}"}`, count]),
    );
    return `${lines.join('\n')}\n`;
  }
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}
