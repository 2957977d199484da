import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyncEvent } from '../../src/engine/events.js';
import { createDatabaseSink, resolveConfig, runSync } from '../../src/index.js';
import { type Simulator, startSimulator } from '../../src/sim/index.js';
import { queryDuckDb } from '../helpers/duckdb.js';
import { scratchDir } from '../helpers/scratch-dir.js';

/**
 * What the progress view and the summary are built from: an event per request answered (so a table
 * moves while its pages are still being gathered), the readers' own units, the row count of each
 * destination table after the run, and an interrupted run told apart from a failed one.
 */
const dir = scratchDir('progress-events');
let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ rps: 0, seed: 5, scale: 0.5 });
});
afterAll(async () => {
  await sim.stop();
});

const STREAMS = ['customers', 'eps_suppression', 'campaigns', 'messages'] as const;

async function sync(file: string, signal?: AbortSignal, onEvent?: (event: SyncEvent) => void) {
  const events: SyncEvent[] = [];
  const config = resolveConfig({
    flags: { access_token: sim.token, base_url: sim.url, streams: STREAMS.join(',') },
  });
  const result = await runSync({
    config,
    sink: await createDatabaseSink({ kind: 'duckdb', path: file }),
    selection: STREAMS.map((name) => ({ name })),
    ...(signal ? { signal } : {}),
    onEvent: (event) => {
      events.push(event);
      onEvent?.(event);
    },
  });
  return { result, events };
}

describe('progress events', () => {
  it('report every request, the readers units and the rows each table holds', async () => {
    const file = join(dir, 'events.duckdb');
    const { result, events } = await sync(file);
    expect(result.status).toBe('succeeded');

    const requests = events.filter((e) => e.type === 'request');
    // One event per request answered (this simulator retries none), carrying the counts sent so far:
    // they never go back, and end at the run's and each table's totals.
    const nonDecreasing = (counts: number[]) => counts.every((n, i) => i === 0 || n >= (counts[i - 1] ?? 0));
    expect(requests.length).toBe(result.requests);
    expect(nonDecreasing(requests.map((e) => e.runRequests))).toBe(true);
    expect(requests.at(-1)?.runRequests).toBe(result.requests);
    // The key check is the run's own request, no table's, and the first.
    expect(requests.filter((e) => e.stream === 'check')).toEqual([
      { type: 'request', stream: 'check', requests: 1, runRequests: 1 },
    ]);
    for (const name of STREAMS) {
      const own = requests.filter((e) => e.stream === name).map((e) => e.requests);
      expect(own.length, name).toBe(result.streams[name]?.requests);
      expect(nonDecreasing(own), name).toBe(true);
      expect(own.at(-1), name).toBe(result.streams[name]?.requests);
    }
    // customers: attribute calls count as requests, and both phases are reported in people.
    const people = result.streams.customers?.rows ?? 0;
    expect(people).toBeGreaterThan(100);
    expect(result.streams.customers?.requests).toBeGreaterThanOrEqual(3);
    const customerUnits = events.filter((e) => e.type === 'units' && e.stream === 'customers');
    expect(customerUnits.at(-1)).toMatchObject({
      units: [
        { label: 'ids', done: people, total: people },
        { label: 'attributes', done: people, total: people },
      ],
    });
    const firstPage = events.findIndex((e) => e.type === 'page' && e.stream === 'customers');
    const firstAttributes = events.findIndex(
      (e) => e.type === 'units' && e.stream === 'customers' && (e.units[1]?.done ?? 0) > 0,
    );
    expect(firstAttributes).toBeGreaterThan(-1);
    expect(firstAttributes).toBeLessThan(firstPage);
    const lists = events.filter((e) => e.type === 'units' && e.stream === 'eps_suppression');
    expect(lists.at(0)).toMatchObject({ units: [{ label: 'lists', done: 0, total: 4 }] });
    expect(lists.at(-1)).toMatchObject({ units: [{ label: 'lists', done: 4, total: 4 }] });

    for (const name of STREAMS) {
      const [counted] = await queryDuckDb(file, `SELECT count(*)::INTEGER AS n FROM ${name}`);
      expect(result.streams[name]?.inTable, name).toBe(counted?.n);
    }
  });

  it('an interrupted run says "interrupted" in the run log and counts what it committed', async () => {
    const file = join(dir, 'interrupted.duckdb');
    const stop = new AbortController();
    const { result } = await sync(file, stop.signal, (event) => {
      if (event.type === 'page' && event.stream === 'messages') stop.abort(new Error('interrupted'));
    });
    expect(result.error?.code).toBe('CIO_ERR_INTERRUPTED');
    const messages = result.streams.messages;
    expect(messages?.status).toBe('incomplete');
    const [counted] = await queryDuckDb(file, 'SELECT count(*)::INTEGER AS n FROM messages');
    expect(counted?.n).toBeGreaterThan(0);
    expect(messages?.written).toBe(counted?.n);
    expect(messages?.inTable).toBe(counted?.n);
    const [run] = await queryDuckDb(file, 'SELECT error FROM _cio_sync_runs');
    expect(run?.error).toBe('interrupted');
  });

  it('marks a table that continued an interrupted read as resumed', async () => {
    const file = join(dir, 'interrupted.duckdb');
    const { result, events } = await sync(file);
    expect(result.streams.messages?.resumed).toBe(true);
    expect(events).toContainEqual({ type: 'stream_started', stream: 'messages', resumed: true });
    expect(result.streams.campaigns?.resumed).toBeUndefined();
  });
});
