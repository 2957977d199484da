// The ideal loader: how fast this machine can move /v1/messages into DuckDB at all. Each page's bytes
// go straight to DuckDB's own JSON reader (C++), with no JavaScript parsing, no mapping, no schema
// checks, no misfit handling: everything a real connector must do and this one skips. What stays is
// the part no loader can skip: the cursor chain, the same table, DuckDB settings and batch size as
// the connector, the same key probe and insert, the state saved in each batch's transaction, and
// the final checkpoint. It is an upper bound for any design on this machine, not a connector.
// Prints one JSON line:
//   node bench/ideal-duckdb-load.mjs <simulator url> <token> <work dir>
// The column list mirrors the connector's `messages` table (src/streams/schemas/messages.ts).
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { messagesPages } from './lib/messages-pages.mjs';

const [url, token, dir] = process.argv.slice(2);
if (!url || !token || !dir) throw new Error('usage: ideal-duckdb-load.mjs <url> <token> <work dir>');
// As the connector does before loading DuckDB (src/destinations/duckdb/duckdb-connection.ts).
process.env.DUCKDB_JE_MALLOC_CONF ??= 'narenas:1';
const { DuckDBInstance } = await import('@duckdb/node-api');

/** The connector's batch size: pages per transaction. */
const PAGES_PER_BATCH = 5;
const COLUMNS = [
  ['id', 'VARCHAR'],
  ['deduplicate_id', 'VARCHAR'],
  ['created', 'BIGINT', 'TIMESTAMPTZ', (c) => `to_timestamp(${c})`],
  ['type', 'VARCHAR'],
  ['recipient', 'VARCHAR'],
  ['subject', 'VARCHAR'],
  ['customer_id', 'VARCHAR'],
  ['customer_identifiers', 'JSON'],
  ['campaign_id', 'BIGINT'],
  ['broadcast_id', 'BIGINT'],
  ['newsletter_id', 'BIGINT'],
  ['action_id', 'BIGINT'],
  ['parent_action_id', 'BIGINT'],
  ['content_id', 'BIGINT'],
  ['trigger_event_id', 'VARCHAR'],
  ['failure_message', 'VARCHAR'],
  ['forgotten', 'BOOLEAN'],
  ['message_template_id', 'BIGINT'],
  ['msg_template_id', 'BIGINT'],
  ['metrics', 'JSON'],
  ['tracked_responses', 'JSON'],
];

const pagesDir = join(dir, `ideal-pages-${process.pid}`);
const file = join(dir, `ideal-${process.pid}.duckdb`);
mkdirSync(pagesDir, { recursive: true });
const instance = await DuckDBInstance.create(file, {
  threads: '1',
  memory_limit: '64MB',
  checkpoint_threshold: '32MB',
});
const db = await instance.connect();
const tableColumns = COLUMNS.map(([name, read, stored]) => `${name} ${stored ?? read}`).join(', ');
await db.run(
  `CREATE TABLE messages (${tableColumns}, _cio_synced_at TIMESTAMPTZ, _cio_deleted_at TIMESTAMPTZ)`,
);
await db.run('CREATE TABLE _cio_state (stream VARCHAR PRIMARY KEY, bookmark JSON)');
await db.run("ATTACH ':memory:' AS staging");

const struct = `STRUCT(${COLUMNS.map(([name, read]) => `${name} ${read}`).join(', ')})[]`;
const selected = COLUMNS.map(([name, , , convert]) => (convert ? convert(`m.${name}`) : `m.${name}`)).join(
  ', ',
);

/** One batch: the pages' files read by DuckDB, probed, inserted, the cursor saved, one transaction. */
async function load(files, cursor) {
  const list = files.map((path) => `'${path}'`).join(', ');
  // `next` is declared although unused: an undeclared top-level key made the read ~40 % slower.
  await db.run(
    `CREATE OR REPLACE TABLE staging.batch AS SELECT ${selected}, now() AS synced, NULL::TIMESTAMPTZ AS deleted
     FROM (SELECT unnest(messages) AS m FROM read_json([${list}], format = 'unstructured',
       maximum_object_size = 2097152, columns = {messages: '${struct}', next: 'VARCHAR'}))`,
  );
  await db.run('BEGIN');
  const probe = await db.runAndReadAll(
    'SELECT count(*) FROM staging.batch AS s WHERE EXISTS (SELECT 1 FROM messages AS t WHERE t.id = s.id)',
  );
  if (Number(probe.getRows()[0][0]) !== 0)
    throw new Error('a key repeated: the ideal loader assumes new rows');
  await db.run('INSERT INTO messages SELECT * FROM staging.batch');
  await db.run(
    `INSERT OR REPLACE INTO _cio_state VALUES ('messages', '${JSON.stringify({ position: cursor })}')`,
  );
  await db.run('COMMIT');
}

const messages = messagesPages(url, token);
const started = performance.now();
let pages = 0;
let cursor = '';
let files = [];
let loading = Promise.resolve();
do {
  const res = await messages.page(cursor);
  const chunks = [];
  for await (const chunk of res.body) chunks.push(chunk);
  const body = Buffer.concat(chunks);
  if (res.statusCode !== 200)
    throw new Error(`/v1/messages: ${res.statusCode} ${body.toString().slice(0, 200)}`);
  // The simulator puts `next` last; the ideal loader reads only that, not the records.
  const tail = body.subarray(Math.max(0, body.length - 256)).toString('latin1');
  cursor = /"next":\s*"([^"]*)"\s*\}\s*$/.exec(tail)?.[1] ?? '';
  const path = join(pagesDir, `${pages % (4 * PAGES_PER_BATCH)}.json`);
  writeFileSync(path, body);
  files.push(path);
  pages++;
  if (files.length === PAGES_PER_BATCH || !cursor) {
    // One batch loads while the next one's pages are fetched, as in the connector.
    await loading;
    loading = load(files, cursor);
    files = [];
  }
} while (cursor);
await loading;
await db.run('CHECKPOINT');
const count = await db.runAndReadAll('SELECT count(*) FROM messages');
const records = Number(count.getRows()[0][0]);
const seconds = (performance.now() - started) / 1000;
db.closeSync();
instance.closeSync();
await messages.close();
rmSync(pagesDir, { recursive: true, force: true });
rmSync(file, { force: true });
rmSync(`${file}.wal`, { force: true });
process.stdout.write(`${JSON.stringify({ records, pages, seconds })}\n`);
