import type { StreamStatus } from './airbyte-messages.js';

const ORDER: Record<StreamStatus, number> = { STARTED: 0, RUNNING: 1, COMPLETE: 2, INCOMPLETE: 2 };

/**
 * Keeps each stream's STREAM_STATUS sequence valid whatever order the causes arrive in:
 * STARTED, then RUNNING, then one of COMPLETE / INCOMPLETE, each once. Asking for a later status
 * fills in the ones skipped (the acceptance tests want STARTED, RUNNING, COMPLETE even for a
 * stream that had no records); asking for an earlier or repeated one yields nothing.
 */
export class StreamStatusTracker {
  private readonly reached = new Map<string, StreamStatus>();

  advance(stream: string, target: StreamStatus): StreamStatus[] {
    const current = this.reached.get(stream);
    const rank = current === undefined ? -1 : ORDER[current];
    if (rank >= ORDER[target]) return [];
    const steps: StreamStatus[] = [];
    if (current === undefined) steps.push('STARTED');
    if (target === 'RUNNING' || (target === 'COMPLETE' && rank < ORDER.RUNNING)) steps.push('RUNNING');
    if (target === 'COMPLETE' || target === 'INCOMPLETE') steps.push(target);
    this.reached.set(stream, target);
    return steps;
  }

  /** Streams that started and have not ended. */
  active(): string[] {
    return [...this.reached].filter(([, status]) => ORDER[status] < 2).map(([stream]) => stream);
  }

  has(stream: string): boolean {
    return this.reached.has(stream);
  }
}
