// The requests of `newsletters` alone in a first sync and in a second one day later (a partial read
// of its head), at a scale and seed, into a scratch DuckDB file. Request counts do not depend on
// rate or latency, so the simulator runs in this process without either:
//   npm run build && node bench/newsletters-head.mjs [scale=400] [seed=1]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDatabaseSink, resolveConfig, runSync, startSimulator } from '../dist/index.js';
import { ONE_DAY } from './bench-changes.mjs';

const [scale, seed] = [Number(process.argv[2] ?? 400), Number(process.argv[3] ?? 1)];
const dir = mkdtempSync(join(tmpdir(), 'cio-newsletters-'));
const sim = await startSimulator({ rps: 0, seed, scale });
try {
  const config = resolveConfig({ flags: { access_token: sim.token, base_url: sim.url } });
  const sync = async () => {
    const sink = await createDatabaseSink({ kind: 'duckdb', path: join(dir, 'newsletters.duckdb') });
    const run = await runSync({ config, sink, selection: [{ name: 'newsletters' }] });
    const { read, rows, requests } = run.streams.newsletters;
    return { read, rows, requests };
  };
  const first = await sync();
  const changes = sim.advance(ONE_DAY).changes.newsletters;
  const second = await sync();
  console.log(JSON.stringify({ scale, seed, first, advance: changes, second }));
} finally {
  await sim.stop();
  rmSync(dir, { recursive: true, force: true });
}
