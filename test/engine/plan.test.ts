import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyncPlan } from '../../src/engine/plan.js';
import {
  createDatabaseSink,
  resolveConfig,
  runSync,
  type Simulator,
  startSimulator,
} from '../../src/index.js';
import type { StreamName } from '../../src/streams/definitions.js';
import { planFromDestination } from '../helpers/plan.js';
import { scratchDir } from '../helpers/scratch-dir.js';

/**
 * `cio-sync plan`'s estimates against what the syncs then ask, through the simulator over loopback
 * HTTP and a real DuckDB file: probes before the first sync, the last run of the same read after.
 */
const dir = scratchDir('plan');
let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ rps: 0, seed: 31, scale: 2 });
});
afterAll(async () => {
  await sim.stop();
});

const NAMES: StreamName[] = ['customers', 'messages', 'activities', 'campaigns'];

function configFor(file: string) {
  return resolveConfig({
    flags: {
      access_token: sim.token,
      base_url: sim.url,
      max_requests_per_second: 1000,
      destination: `duckdb:${file}`,
      streams: NAMES.join(','),
    },
  });
}

async function plan(file: string): Promise<SyncPlan> {
  return planFromDestination(configFor(file), NAMES);
}

async function sync(file: string): Promise<Record<string, number>> {
  const config = configFor(file);
  const result = await runSync({
    config,
    sink: await createDatabaseSink(config.destination),
    selection: NAMES.map((name) => ({ name })),
  });
  expect(result.status).toBe('succeeded');
  return Object.fromEntries(Object.entries(result.streams).map(([name, s]) => [name, s.requests]));
}

const of = (p: SyncPlan, name: string) => p.tables.find((t) => t.name === name)!;

describe('cio-sync plan', () => {
  it('estimates a first sync by probes, then each read from the last run that made the same read', async () => {
    const file = join(dir, 'plan.duckdb');
    const first = await plan(file);
    expect(first.tables.map((t) => [t.name, t.scope.kind])).toEqual(NAMES.map((n) => [n, 'complete']));
    const asked = await sync(file);
    for (const name of ['customers', 'messages', 'activities']) {
      expect(of(first, name).source, name).toBe('probe');
      // The first page's rate, or the people count, within a page or two of what the read asked.
      expect(Math.abs(of(first, name).requests - asked[name]!), name).toBeLessThanOrEqual(2);
    }
    expect(first.total).toBe(1 + first.tables.reduce((sum, t) => sum + t.requests, 0));
    expect(first.seconds).toBeCloseTo(first.total / 10);

    const second = await plan(file);
    expect(of(second, 'messages').scope.kind).toBe('partial');
    expect(of(second, 'customers')).toMatchObject({ source: 'last run', requests: asked.customers });
    const again = await sync(file);
    const third = await plan(file);
    expect(of(third, 'messages')).toMatchObject({ source: 'last run', requests: again.messages });
    expect(of(third, 'activities')).toMatchObject({ source: 'last run', requests: again.activities });
  });
});
