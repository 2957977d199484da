import { describe, expect, it } from 'vitest';
import { renderLiveView } from '../../src/cli/progress-view.js';
import { RecentRate } from '../../src/cli/request-rate.js';
import { SyncProgress } from '../../src/cli/sync-progress.js';
import type { SyncEvent } from '../../src/engine/events.js';

const T0 = 1_000_000;

/** The live view after `events`, each at its own time (ms after the start). */
function viewAfter(
  events: readonly (readonly [number, SyncEvent])[],
  options: { names?: string[]; planned?: number; at?: number } = {},
): string[] {
  const progress = new SyncProgress(
    options.names ?? ['customers', 'eps_suppression', 'campaigns'],
    T0,
    options.planned,
  );
  for (const [at, event] of events) progress.handle(event, T0 + at);
  return renderLiveView(progress, T0 + (options.at ?? events.at(-1)?.[0] ?? 0));
}

function lineOf(view: string[], table: string): string {
  const line = view.find((l) => l.startsWith(`${table} `));
  if (line === undefined) throw new Error(`no line for ${table} in\n${view.join('\n')}`);
  return line;
}

const request = (stream: string | undefined, requests: number, runRequests: number): SyncEvent => ({
  type: 'request',
  ...(stream ? { stream } : {}),
  requests,
  runRequests,
});

/** What the customers reader reports: ids listed (a total once all are), attributes fetched of those. */
function customerUnits(ids: number, idsTotal: number | undefined, attributes: number): SyncEvent {
  return {
    type: 'units',
    stream: 'customers',
    units: [
      { label: 'ids', done: ids, ...(idsTotal === undefined ? {} : { total: idsTotal }) },
      { label: 'attributes', done: attributes, total: ids },
    ],
  };
}

describe('the live view', () => {
  it('moves a table with its requests before any page is written (customers attributes, eps_suppression)', () => {
    const view = viewAfter([
      [0, request(undefined, 1, 1)],
      [10, { type: 'stream_started', stream: 'customers', resumed: false }],
      [10, { type: 'stream_started', stream: 'eps_suppression', resumed: false }],
      [20, { type: 'units', stream: 'eps_suppression', units: [{ label: 'lists', done: 0, total: 4 }] }],
      [100, request('customers', 1, 2)],
      [100, customerUnits(1000, undefined, 0)],
      [200, request('customers', 2, 3)],
      [250, request('eps_suppression', 1, 4)],
      [300, customerUnits(1000, undefined, 100)],
    ]);
    expect(lineOf(view, 'customers')).toMatch(
      /^customers\s+reading\s+rows 0\s+requests 2\s+ids 1,000, attributes 100\/1,000$/,
    );
    expect(lineOf(view, 'eps_suppression')).toMatch(/reading\s+rows 0\s+requests 1\s+lists 0\/4$/);
    expect(lineOf(view, 'campaigns')).toMatch(/^campaigns\s+waiting\s+rows 0\s+requests 0$/);
  });

  it('shows the phases of customers: ids get a total once listed, attributes count up to it', () => {
    const view = viewAfter([
      [0, { type: 'stream_started', stream: 'customers', resumed: false }],
      [50, customerUnits(2500, 2500, 2500)],
      [
        60,
        {
          type: 'stream_completed',
          stream: 'customers',
          stats: { status: 'complete', rows: 2500, written: 2500, requests: 28 },
        },
      ],
    ]);
    expect(lineOf(view, 'customers')).toMatch(
      /done\s+rows 2,500\s+requests 28\s+ids 2,500\/2,500, attributes 2,500\/2,500/,
    );
  });

  it('marks a resumed table while it reads and once done', () => {
    const reading = viewAfter([[0, { type: 'stream_started', stream: 'campaigns', resumed: true }]]);
    expect(lineOf(reading, 'campaigns')).toMatch(/^campaigns\s+resuming\s/);
    const done = viewAfter([
      [0, { type: 'stream_started', stream: 'campaigns', resumed: true }],
      [
        5,
        {
          type: 'stream_completed',
          stream: 'campaigns',
          stats: { status: 'complete', rows: 3, requests: 1 },
        },
      ],
    ]);
    expect(lineOf(done, 'campaigns')).toMatch(/^campaigns\s+done \(resumed\)\s+rows 3/);
    const fresh = viewAfter([[0, { type: 'stream_started', stream: 'campaigns', resumed: false }]]);
    expect(lineOf(fresh, 'campaigns')).toMatch(/^campaigns\s+reading\s/);
  });

  it('lists the tables in the order of the summary', () => {
    const view = viewAfter([], { names: ['types', 'activities', 'messages'] });
    expect(view.slice(1).map((line) => line.split(' ')[0])).toEqual(['activities', 'messages', 'types']);
  });

  it('has an overall line: elapsed, requests done of planned, the current rate and an ETA', () => {
    // 20 requests in the first 2 s, then 10 per second: the rate shown is the recent one.
    const events: [number, SyncEvent][] = [];
    for (let i = 1; i <= 20; i++) events.push([i * 100, request('campaigns', i, i)]);
    for (let i = 1; i <= 100; i++) events.push([2000 + i * 100, request('campaigns', 20 + i, 20 + i)]);
    const view = viewAfter(events, { planned: 240, at: 12_000 });
    // 120 done, 10 req/s over the last 10 s, 120 left: 12 s.
    expect(view[0]).toBe('elapsed 0:12  requests 120 of ~240  10.0 req/s  ETA 0:12  0 table(s) reading');
  });

  it('shows requests done only when nothing tells how many are planned', () => {
    const view = viewAfter([[3000, request(undefined, 1, 1)]], { at: 65_000 });
    expect(view[0]).toMatch(/^elapsed 1:05 {2}requests 1 {2}0\.0 req\/s {2}0 table\(s\) reading$/);
    expect(view[0]).not.toMatch(/ETA/);
  });
});

describe('the recent request rate', () => {
  it('follows a slowdown instead of averaging the whole run', () => {
    const rate = new RecentRate(0, 10_000);
    for (let i = 1; i <= 200; i++) rate.add(i * 50, i); // 20 per second for 10 s
    expect(rate.perSecond(10_000)).toBeCloseTo(20, 5);
    rate.add(15_000, 201);
    // Over 5..15 s: the count went from 100 to 201.
    expect(rate.perSecond(15_000)).toBeCloseTo(10.1, 5);
    // Nothing since: 20 s later the window holds no request.
    expect(rate.perSecond(35_000)).toBe(0);
  });

  it('counts a young run from its start', () => {
    const rate = new RecentRate(1000, 10_000);
    rate.add(2000, 4);
    expect(rate.perSecond(3000)).toBeCloseTo(2, 5);
  });
});
