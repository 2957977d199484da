import { join } from 'node:path';
import { expect, it } from 'vitest';
import {
  createDatabaseSink,
  parseDestination,
  resolveConfig,
  runSync,
  type SyncEvent,
  startSimulator,
} from '../../src/index.js';
import { queryDuckDb } from '../helpers/duckdb.js';
import { scratchDir } from '../helpers/scratch-dir.js';

const dir = scratchDir('lib');

it('runs a sync through the public library API', async () => {
  const sim = await startSimulator({ rps: 0, seed: 4 });
  try {
    const file = join(dir, 'lib.duckdb');
    const config = resolveConfig({
      flags: { access_token: sim.token, base_url: sim.url, streams: 'segments,topics' },
    });
    const events: SyncEvent['type'][] = [];
    const result = await runSync({
      config,
      sink: await createDatabaseSink(parseDestination(`duckdb:${file}`)),
      selection: [{ name: 'segments' }, { name: 'topics' }],
      onEvent: (event) => events.push(event.type),
    });
    expect(result.status).toBe('succeeded');
    expect(result.streams.segments?.status).toBe('complete');
    expect(events.filter((e) => e === 'stream_completed')).toHaveLength(2);
    const truth = sim.truth() as unknown as { segments: unknown[] };
    const count = await queryDuckDb(file, 'SELECT count(*)::INTEGER AS n FROM segments');
    expect(Number(count[0]!.n)).toBe(truth.segments.length);
  } finally {
    await sim.stop();
  }
});
