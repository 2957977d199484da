// The raw-speed baseline: fetch every page of /v1/messages (1000 a page, one at a time, as the
// connector's cursor chain must) and parse the JSON, nothing else. Prints one JSON line:
//   node bench/baseline-fetch.mjs <simulator url> <token>
// Uses undici, the connector's HTTP client, with the same headers, so the difference to a sync
// is the connector's own work: mapping, state and loading.
import { Pool } from 'undici';

const [url, token] = process.argv.slice(2);
if (!url || !token) throw new Error('usage: baseline-fetch.mjs <url> <token>');
const pool = new Pool(url, { connections: 1 });
const headers = {
  authorization: `Bearer ${token}`,
  accept: 'application/json',
  'accept-encoding': 'identity',
};

const started = performance.now();
let records = 0;
let pages = 0;
let start = '';
do {
  const query = `limit=1000${start ? `&start=${encodeURIComponent(start)}` : ''}`;
  const res = await pool.request({ method: 'GET', path: `/v1/messages?${query}`, headers });
  const text = await res.body.text();
  if (res.statusCode !== 200) throw new Error(`/v1/messages: ${res.statusCode} ${text.slice(0, 200)}`);
  const body = JSON.parse(text);
  records += body.messages.length;
  pages++;
  start = body.next;
} while (start);
const seconds = (performance.now() - started) / 1000;
await pool.close();
process.stdout.write(`${JSON.stringify({ records, pages, seconds })}\n`);
