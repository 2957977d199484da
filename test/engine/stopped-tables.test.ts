import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { CioError } from '../../src/core/errors.js';
import type { Sink } from '../../src/engine/sink.js';
import { createDatabaseSink, resolveConfig, runSync } from '../../src/index.js';
import { type Simulator, startSimulator } from '../../src/sim/index.js';
import { queryDuckDb } from '../helpers/duckdb.js';
import { scratchDir } from '../helpers/scratch-dir.js';

/**
 * When one table's failure ends the run (the destination refused it), the tables stopped with it
 * say they were stopped and by what, in the result and in the run log: never a failure of their
 * own, nor the other table's message as theirs.
 */
const dir = scratchDir('stopped-tables');
let sim: Simulator | undefined;
afterAll(async () => {
  await sim?.stop();
});

const REFUSED = 'the destination refused the campaigns table';

/** The real sink, except that every write of `campaigns` is refused. */
function refusingCampaigns(real: Sink): Sink {
  const writes = new Set(['write', 'stage', 'commit']);
  return new Proxy(real, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const stream = (args[0] as { name?: unknown } | undefined)?.name;
        if (writes.has(String(property)) && stream === 'campaigns') {
          return Promise.reject(new CioError('CIO_ERR_DESTINATION', REFUSED, { stream: 'campaigns' }));
        }
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

it('tables stopped by another table failure say so, in the result and the run log', async () => {
  sim = await startSimulator({ rps: 0, seed: 9, latencyMs: 40 });
  const file = join(dir, 'stopped.duckdb');
  const config = resolveConfig({
    flags: {
      access_token: sim.token,
      base_url: sim.url,
      streams: 'campaigns,messages,customers,activities',
    },
  });
  const result = await runSync({
    config,
    sink: refusingCampaigns(await createDatabaseSink({ kind: 'duckdb', path: file })),
    selection: (['campaigns', 'messages', 'customers', 'activities'] as const).map((name) => ({ name })),
  });

  expect(result.status).toBe('failed');
  expect(result.error?.code).toBe('CIO_ERR_DESTINATION');
  expect(result.streams.campaigns).toMatchObject({ status: 'failed', error: REFUSED });
  const stopped = Object.entries(result.streams).filter(([name]) => name !== 'campaigns');
  expect(stopped.map(([, stats]) => stats.status)).toEqual(['incomplete', 'incomplete', 'incomplete']);
  for (const [, stats] of stopped) {
    expect(stats.error).toBe(
      "stopped before finishing: table campaigns's failure (CIO_ERR_DESTINATION) ended the run; this table's committed progress is kept",
    );
  }
  const [run] = await queryDuckDb(
    file,
    'SELECT status, streams::VARCHAR AS streams, error FROM _cio_sync_runs',
  );
  expect(run?.status).toBe('failed');
  const logged = JSON.parse(String(run?.streams)) as Record<string, { status: string; error?: string }>;
  expect(logged.messages?.error).toMatch(/^stopped before finishing: table campaigns's failure/);
  expect(String(run?.error)).toContain(`campaigns: ${REFUSED}`);
});
