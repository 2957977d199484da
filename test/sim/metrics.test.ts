/** The metrics endpoints: parameters and errors as the facts list them, series the deliveries explain. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_NOW, type GroundTruth, type Simulator, startSimulator } from '../../src/sim/index.js';
import { arr, call, obj } from './helpers.js';

let sim: Simulator;
let truth: GroundTruth;
const DAY = 86_400;

beforeAll(async () => {
  sim = await startSimulator({ rps: 0, scale: 0.2 });
  truth = sim.truth();
});
afterAll(async () => {
  await sim.stop();
});

function series(body: unknown): Record<string, number[]> {
  return obj(obj(obj(body).metric).series) as Record<string, number[]>;
}

/** Unix seconds of the simulator's "now", from an answer's Date header. */
function nowOf(headers: Headers): number {
  return Date.parse(headers.get('date') ?? '') / 1000;
}

describe('version 2 (campaigns)', () => {
  it("counts a campaign's sends per UTC day, element i = start + i days, as its messages say", async () => {
    const sent = new Map<number, number>();
    for (const m of truth.messages) {
      const at = obj(m.metrics).sent;
      if (typeof at === 'number' && typeof m.campaign_id === 'number') {
        const day = Math.floor(at / DAY) * DAY;
        if (m.campaign_id === truth.campaigns[0]?.id) sent.set(day, (sent.get(day) ?? 0) + 1);
      }
    }
    const id = truth.campaigns[0]?.id as number;
    const start = Math.min(...sent.keys());
    const end = start + 9 * DAY + 3600;
    const res = await call(sim, `/v1/campaigns/${id}/metrics`, {
      query: { version: 2, res: 'days', tz: 'UTC', start, end },
    });
    expect(res.status).toBe(200);
    expect(nowOf(res.headers)).toBe(DEFAULT_NOW);
    const body = obj(res.json);
    expect(body.start).toMatch(/^\d{4}-\d{2}-\d{2} 00:00:00 \+0000 UTC$/);
    const s = series(res.json);
    expect(Object.keys(s)).toHaveLength(26);
    expect(s.sent).toHaveLength(10);
    // Messages still listed are a subset of those sent (deleted ones count too).
    s.sent?.forEach((count, i) => {
      expect(count).toBeGreaterThanOrEqual(sent.get(start + i * DAY) ?? 0);
    });
    expect(s.sent?.[0]).toBeGreaterThan(0);
  });

  it.each([
    [{ version: 2, start: 1, end: 2 }, 'res'],
    [{ version: 2, res: 'days', end: 2 }, 'start'],
    [{ version: 2, res: 'days', start: 10, end: 2 }, 'after'],
    [{ version: 2, res: 'fortnights', start: 1, end: 2 }, 'res'],
    [{ version: 2, res: 'days', start: 0, end: 11 * 366 * DAY }, '10 years'],
  ])('answers %o with 400', async (query, detail) => {
    const id = truth.campaigns[0]?.id as number;
    const res = await call(sim, `/v1/campaigns/${id}/metrics`, { query });
    expect(res.status).toBe(400);
    expect(res.text).toContain(detail);
  });

  it('answers a campaign that does not exist with 404', async () => {
    expect((await call(sim, '/v1/campaigns/999999/metrics')).status).toBe(404);
  });
});

describe('version 1 (broadcasts, newsletters, transactional)', () => {
  it.each([
    ['broadcasts', truth_id('broadcasts')],
    ['newsletters', truth_id('newsletters')],
    ['transactional', truth_id('transactional')],
  ])('%s: 45 days, the last one today, 2 at least, 45 at most', async (kind, id) => {
    const path = `/v1/${kind}/${id()}/metrics`;
    const full = await call(sim, path, { query: { period: 'days', steps: 45 } });
    expect(full.status).toBe(200);
    expect(series(full.json).sent).toHaveLength(45);
    expect(series((await call(sim, path, { query: { steps: 1 } })).json).sent).toHaveLength(2);
    expect(series((await call(sim, path, { query: { steps: 0 } })).json).sent).toHaveLength(45);
    expect(series((await call(sim, path, { query: { steps: 90 } })).json).sent).toHaveLength(45);
    expect((await call(sim, path, { query: { period: 'fortnights' } })).status).toBe(400);
  });

  it('moves the current day on an advance: new sends land in the last element', async () => {
    const id = truth.broadcasts[0]?.id as number;
    const path = `/v1/broadcasts/${id}/metrics`;
    const before = series((await call(sim, path)).json);
    const lastBefore = arr(truth.broadcast_metrics).filter((r) => obj(r).broadcast_id === id);
    expect(lastBefore.length).toBeGreaterThan(0);
    sim.advance({ seconds: 600, updateFraction: 0.5, addFraction: 0.5, deleteFraction: 0 });
    const after = series((await call(sim, path)).json);
    // Days before today are final; today only grows.
    expect(after.sent?.slice(0, 44)).toEqual(before.sent?.slice(0, 44));
    const total = (s: Record<string, number[]>) =>
      Object.values(s).reduce((sum, values) => sum + (values[44] ?? 0), 0);
    expect(total(after)).toBeGreaterThanOrEqual(total(before));
    const rows = sim.truth().broadcast_metrics.filter((r) => r.broadcast_id === id);
    expect(rows.at(-1)?.sent).toBe(after.sent?.[44]);
  });
});

function truth_id(kind: 'broadcasts' | 'newsletters' | 'transactional'): () => number {
  return () => truth[kind][0]?.id as number;
}

describe('journey and link metrics', () => {
  it('answers journey metrics without start, end or resolution with 400, and cohorts by day otherwise', async () => {
    const id = truth.campaigns[0]?.id as number;
    const path = `/v1/campaigns/${id}/journey_metrics`;
    const incomplete: Record<string, string | number>[] = [
      { start: 1, end: 2 },
      { end: 2, resolution: 'days' },
      { start: 1, resolution: 'days' },
    ];
    for (const query of incomplete) {
      const res = await call(sim, path, { query });
      expect(res.status, JSON.stringify(query)).toBe(400);
    }
    expect((await call(sim, path, { query: { start: 9, end: 2, resolution: 'days' } })).status).toBe(400);
    const start = DEFAULT_NOW - 100 * DAY;
    const res = await call(sim, path, { query: { start, end: start + 3 * DAY - 1, resolution: 'days' } });
    const cohorts = obj(obj(res.json).journey_metric) as Record<string, number[]>;
    expect(cohorts.started).toHaveLength(3);
    cohorts.started?.forEach((started, i) => {
      for (const stage of ['activated', 'messaged', 'finished']) {
        expect(cohorts[stage]?.[i]).toBeLessThanOrEqual(started);
      }
    });
  });

  it('lists each link with its clicks; unique counts are at most all counts', async () => {
    const id = truth.campaigns[0]?.id as number;
    const path = `/v1/campaigns/${id}/metrics/links`;
    const all = arr(obj((await call(sim, path, { query: { period: 'days', steps: 45 } })).json).links);
    const unique = arr(obj((await call(sim, path, { query: { steps: 45, unique: true } })).json).links);
    expect(all.length).toBeGreaterThan(0);
    all.forEach((item, l) => {
      const link = obj(obj(item).link);
      expect(link.href).toMatch(/^https:\/\//);
      const s = series(item);
      const u = series(unique[l]);
      expect(s.clicked).toHaveLength(45);
      s.clicked?.forEach((n, i) => {
        expect((s.human_clicked?.[i] ?? 0) + (s.machine_clicked?.[i] ?? 0)).toBe(n);
        expect(u.clicked?.[i]).toBeLessThanOrEqual(n);
      });
    });
  });
});
