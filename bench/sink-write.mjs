// Where raw-speed time goes on the loading side: the cost of one Sink.write as a function of the
// batch size, with the connector's own message rows (no HTTP). Run after `npm run build`:
//   node bench/sink-write.mjs [duckdb|postgres] [rows=20000]
// Prints per batch size: ms per write, rows/s, and a fit  ms = fixed + per1000 * rows / 1000.
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createDuckDbSink } from '../dist/destinations/duckdb/duckdb-sink.js';
import { createPostgresSink } from '../dist/destinations/postgres/postgres-sink.js';
import { streamSpecFor } from '../dist/engine/catalog.js';
import { DEFAULT_NOW } from '../dist/sim/index.js';
import { World } from '../dist/sim/world/data.js';
import { getDefinition } from '../dist/streams/definitions.js';
import { rowFromRecord } from '../dist/streams/transform.js';
import { POSTGRES_URL } from './bench-raw.mjs';

const kind = process.argv[2] ?? 'duckdb';
const total = Number(process.argv[3] ?? 20000);
const BATCHES = [250, 1000, 5000, 20000].filter((size) => size <= total);

const def = getDefinition('messages');
const records = new World(1, Math.ceil(total / 2500), DEFAULT_NOW).truth().messages.slice(0, total);
const rows = records.map((record) => rowFromRecord(def, record));

async function withSink(fn) {
  if (kind === 'duckdb') {
    const path = join(tmpdir(), `cio-sink-write-${process.pid}.duckdb`);
    try {
      return await fn(createDuckDbSink({ path }));
    } finally {
      rmSync(path, { force: true });
      rmSync(`${path}.wal`, { force: true });
    }
  }
  const schema = `cio_sink_write_${process.pid}`;
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  try {
    return await fn(createPostgresSink({ url: POSTGRES_URL, schema }));
  } finally {
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.end();
  }
}

const results = [];
for (const size of BATCHES) {
  // A fresh destination per size, so each measures loading `total` new rows into an empty table.
  const ms = await withSink(async (sink) => {
    const spec = streamSpecFor(def);
    await sink.open({ runId: randomUUID(), startedAt: new Date(), streams: [spec] });
    await sink.prepareStream(spec);
    const started = performance.now();
    for (let i = 0; i < rows.length; i += size) {
      const bookmark = {
        resume: { read_started_at: new Date().toISOString(), position: { cursor: String(i) } },
      };
      await sink.write(spec, rows.slice(i, i + size), bookmark);
    }
    const elapsed = performance.now() - started;
    await sink.close({ status: 'succeeded', finishedAt: new Date(), streams: {} });
    return elapsed;
  });
  const writes = Math.ceil(rows.length / size);
  results.push({ batch: size, writes, msPerWrite: ms / writes, rowsPerSecond: (rows.length * 1000) / ms });
}
// Least squares over (rows per write, ms per write).
const n = results.length;
const mx = results.reduce((s, r) => s + r.batch, 0) / n;
const my = results.reduce((s, r) => s + r.msPerWrite, 0) / n;
const slope =
  results.reduce((s, r) => s + (r.batch - mx) * (r.msPerWrite - my), 0) /
  results.reduce((s, r) => s + (r.batch - mx) ** 2, 0);
const fit = { fixedMs: my - slope * mx, msPer1000Rows: slope * 1000 };
process.stdout.write(`${JSON.stringify({ kind, rows: rows.length, results, fit })}\n`);
