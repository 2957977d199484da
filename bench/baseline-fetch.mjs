// The raw-speed baseline: fetch every page of /v1/messages (1000 a page, one at a time, as the
// connector's cursor chain must) and parse the JSON, nothing else. Prints one JSON line:
//   node bench/baseline-fetch.mjs <simulator url> <token>
// Uses undici, the connector's HTTP client, with the same headers, so the difference to a sync
// is the connector's own work: mapping, state and loading.
import { messagesPages } from './lib/messages-pages.mjs';

const [url, token] = process.argv.slice(2);
if (!url || !token) throw new Error('usage: baseline-fetch.mjs <url> <token>');
const messages = messagesPages(url, token);

const started = performance.now();
let records = 0;
let pages = 0;
let start = '';
do {
  const res = await messages.page(start);
  const text = await res.body.text();
  if (res.statusCode !== 200) throw new Error(`/v1/messages: ${res.statusCode} ${text.slice(0, 200)}`);
  const body = JSON.parse(text);
  records += body.messages.length;
  pages++;
  start = body.next;
} while (start);
const seconds = (performance.now() - started) / 1000;
await messages.close();
process.stdout.write(`${JSON.stringify({ records, pages, seconds })}\n`);
