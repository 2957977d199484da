// Is the DuckDB sink's growing RSS DuckDB's own cache? Upserts `rows` message-sized rows in
// 1000-row batches (staging table + INSERT ... ON CONFLICT, one transaction each, like the sink)
// into a fresh file, with and without a memory_limit, and prints peak RSS per 250,000 rows.
//   node bench/duckdb-memory.mjs [rows=1000000] [memory_limit=none]
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';

const rows = Number(process.argv[2] ?? 1_000_000);
const limit = process.argv[3];
const path = join(tmpdir(), `cio-duckdb-memory-${process.pid}.duckdb`);
const instance = await DuckDBInstance.create(path, limit ? { memory_limit: limit } : {});
const db = await instance.connect();
await db.run(
  'CREATE TABLE messages (id VARCHAR PRIMARY KEY, created TIMESTAMPTZ, recipient VARCHAR, metrics VARCHAR, body VARCHAR)',
);
const filler = 'x'.repeat(400);
let peak = 0;
const marks = [];
const started = performance.now();
for (let i = 0; i < rows; i += 1000) {
  await db.run('BEGIN TRANSACTION');
  await db.run('CREATE TEMP TABLE staging AS SELECT * FROM messages LIMIT 0');
  const appender = await db.createAppender('staging', 'main', 'temp');
  for (let j = i; j < i + 1000; j++) {
    appender.appendVarchar(`msg-${j}`);
    appender.appendNull();
    appender.appendVarchar(`person${j}@example.com`);
    appender.appendVarchar(`{"sent":${j},"opened":${j + 60}}`);
    appender.appendVarchar(filler);
    appender.endRow();
  }
  appender.flushSync();
  appender.closeSync();
  await db.run(
    'INSERT INTO messages SELECT * FROM staging ON CONFLICT (id) DO UPDATE SET body = excluded.body',
  );
  await db.run('DROP TABLE staging');
  await db.run('COMMIT');
  peak = Math.max(peak, process.memoryUsage().rss);
  if ((i + 1000) % 250_000 === 0) marks.push({ rows: i + 1000, peakRssMb: Math.round(peak / 2 ** 20) });
}
const seconds = (performance.now() - started) / 1000;
db.closeSync();
instance.closeSync();
rmSync(path, { force: true });
rmSync(`${path}.wal`, { force: true });
process.stdout.write(
  `${JSON.stringify({ memoryLimit: limit ?? 'default', rowsPerSecond: Math.round(rows / seconds), marks })}\n`,
);
