import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RequestBudget } from '../../src/api/budget.js';
import { createApiClient } from '../../src/api/client.js';
import type { ApiClient } from '../../src/api/types.js';
import { type Simulator, startSimulator } from '../../src/sim/index.js';
import { getDefinition } from '../../src/streams/definitions.js';
import { parentPositionFrom, readParentChild } from '../../src/streams/readers/parent-child.js';
import type { ParentKey, ReadContext, Row, StreamPage } from '../../src/streams/types.js';
import { expectedTables, type TruthLike } from '../helpers/truth.js';

let sim: Simulator;
let client: ApiClient;
let expected: Record<string, Map<string, Record<string, unknown>>>;
const actions = getDefinition('campaign_actions');

beforeAll(async () => {
  sim = await startSimulator({ rps: 0, seed: 4, scale: 0.3 });
  client = createApiClient({
    baseUrl: sim.url,
    token: sim.token,
    budget: new RequestBudget({ ratePerSecond: 1000, concurrency: 4 }),
  });
  expected = expectedTables(sim.truth() as unknown as TruthLike);
});

afterAll(async () => {
  await client?.close();
  await sim?.stop();
});

function campaignIds(): number[] {
  return (sim.truth().campaigns as { id: number }[]).map((c) => c.id);
}

function context(extra: Partial<ReadContext> = {}): ReadContext {
  return { client, concurrency: 3, ...extra };
}

async function pagesOf(ctx: ReadContext): Promise<StreamPage[]> {
  const pages: StreamPage[] = [];
  for await (const page of readParentChild(actions, ctx)) pages.push(page);
  return pages;
}

const keysOf = (rows: Row[]) => rows.map((r) => `${String(r.campaign_id)}|${String(r.id)}`).sort();
const actionPaths = (from: number) =>
  sim
    .requestLog()
    .slice(from)
    .filter((e) => /^\/v1\/campaigns\/\d+\/actions$/.test(e.path));

describe('the parent-child reader against the simulator', () => {
  it("reads every parent's children once, with integer ids and the parent's key; a parent that answers 404 is skipped", async () => {
    const warnings: string[] = [];
    const parents: ParentKey[] = [...campaignIds(), 999_999];
    const before = sim.requestLog().length;
    const pages = await pagesOf(
      context({ parentKeys: async () => parents, onWarning: (m) => warnings.push(m) }),
    );
    const rows = pages.flatMap((p) => p.rows);
    expect(keysOf(rows)).toEqual([...(expected.campaign_actions?.keys() ?? [])].sort());
    expect(rows.every((r) => typeof r.id === 'number')).toBe(true);
    expect(pages.at(-1)?.position).toBeNull();
    expect(pages.at(-1)?.parents).toEqual({ done: parents.length, total: parents.length });
    expect(warnings.join('\n')).toMatch(/campaigns 999999 no longer exists \(404\)/);
    // Parents given by the run are not listed again; the first request of a parent sends no
    // `start` and no `limit`, a later one only a `start` the same campaign minted.
    const sent = actionPaths(before);
    expect(
      sim
        .requestLog()
        .slice(before)
        .some((e) => e.path === '/v1/campaigns'),
    ).toBe(false);
    const seen = new Set<string>();
    for (const entry of sent) {
      expect(entry.query.limit).toBeUndefined();
      if (!seen.has(entry.path)) expect(entry.query.start, entry.path).toBeUndefined();
      else expect(entry.query.start, entry.path).toBeTruthy();
      seen.add(entry.path);
    }
    expect(sent.length, 'some campaign has a second page').toBeGreaterThan(seen.size);
  });

  it('lists the parents itself when the run did not read the parent table', async () => {
    const before = sim.requestLog().length;
    const rows = (await pagesOf(context({ parentKeys: async () => undefined }))).flatMap((p) => p.rows);
    expect(keysOf(rows)).toEqual([...(expected.campaign_actions?.keys() ?? [])].sort());
    expect(sim.requestLog().slice(before)[0]?.path).toBe('/v1/campaigns');
  });

  it('resumes after the last parent read whole, reading no parent before it again', async () => {
    const ids = campaignIds();
    // One page per parent at most: parents of several pages yield each page.
    const first: Row[] = [];
    let position: unknown;
    for await (const page of readParentChild(actions, context({ parentKeys: async () => ids }))) {
      first.push(...page.rows);
      position = page.position;
      if (position !== null && (position as { after_parent: unknown }).after_parent !== null) break;
    }
    const after = (position as { after_parent: number }).after_parent;
    expect(after).toBeLessThan(Math.max(...ids));
    const before = sim.requestLog().length;
    const resumed = await pagesOf(context({ parentKeys: async () => ids, resume: position }));
    const rest = resumed.flatMap((p) => p.rows);
    // Progress counts the parents the interrupted attempt read whole.
    const skipped = ids.filter((id) => id <= after).length;
    expect(skipped).toBeGreaterThan(0);
    expect(resumed[0]?.parents?.done).toBeGreaterThanOrEqual(skipped);
    expect(resumed.at(-1)?.parents).toEqual({ done: ids.length, total: ids.length });
    const read = actionPaths(before).map((e) => Number(e.path.split('/')[3]));
    expect(read.length).toBeGreaterThan(0);
    expect(read.every((id) => id > after)).toBe(true);
    expect(rest.every((r) => (r.campaign_id as number) > after)).toBe(true);
    const whole = first.filter((r) => (r.campaign_id as number) <= after);
    expect(keysOf([...whole, ...rest])).toEqual([...(expected.campaign_actions?.keys() ?? [])].sort());
  });

  it('fails on any other error of a parent', async () => {
    const ids = campaignIds();
    sim.injectFault({ kind: 'status', status: 403, path: `/v1/campaigns/${ids[1]}/actions` });
    try {
      await expect(pagesOf(context({ parentKeys: async () => ids }))).rejects.toMatchObject({
        code: 'CIO_ERR_FORBIDDEN',
      });
    } finally {
      sim.clearFaults();
    }
  });

  it('accepts only parent positions as saved positions', () => {
    expect(parentPositionFrom({ after_parent: 12 }, 'campaign_actions')).toEqual({ after_parent: 12 });
    expect(parentPositionFrom({ after_parent: null }, 'campaign_actions')).toEqual({ after_parent: null });
    expect(parentPositionFrom(null, 'campaign_actions')).toBeNull();
    for (const bad of [{ cursor: 'abc' }, { after_parent: {} }, 'x', { after_parent: '' }]) {
      expect(() => parentPositionFrom(bad, 'campaign_actions')).toThrow(
        expect.objectContaining({ code: 'CIO_ERR_STATE' }),
      );
    }
  });
});
