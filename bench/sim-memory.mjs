// Memory check of the simulator at large scale: run `npm run build` first, then
//   node bench/sim-memory.mjs [scale=400]
// Starts the simulator in this process, pages through all of /v1/messages (limit 1000) and the
// customers pair (search ids, then attributes 100 at a time), and prints peak RSS and counts.
// The big tables are generated from their index, so RSS should stay far below 1 GB.
import { startSimulator } from '../dist/sim/index.js';

const scale = Number(process.argv[2] ?? 400);
let peakRss = process.memoryUsage().rss;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 25);

const sim = await startSimulator({ scale, rps: 0 });
const headers = { authorization: `Bearer ${sim.token}`, 'content-type': 'application/json' };

async function getJson(path, init = {}) {
  const res = await fetch(`${sim.url}${path}`, { headers, ...init });
  if (res.status !== 200) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

const started = performance.now();
let messages = 0;
let start = '';
do {
  const page = await getJson(`/v1/messages?limit=1000${start ? `&start=${encodeURIComponent(start)}` : ''}`);
  messages += page.messages.length;
  start = page.next;
} while (start);
const messagesSeconds = (performance.now() - started) / 1000;

const filter = JSON.stringify({ filter: { and: [{ attribute: { field: 'cio_id', operator: 'exists' } }] } });
let identifiers = 0;
let customers = 0;
start = '';
do {
  const page = await getJson(
    `/v1/customers?limit=1000${start ? `&start=${encodeURIComponent(start)}` : ''}`,
    {
      method: 'POST',
      body: filter,
    },
  );
  identifiers += page.identifiers.length;
  const cioIds = page.identifiers.map((i) => i.cio_id);
  const batches = [];
  for (let i = 0; i < cioIds.length; i += 100) batches.push(cioIds.slice(i, i + 100));
  // A few hydrations in flight, as a connector would run them.
  for (let i = 0; i < batches.length; i += 4) {
    const answers = await Promise.all(
      batches.slice(i, i + 4).map((ids) =>
        getJson('/v1/customers/attributes?id_type=cio_id', {
          method: 'POST',
          body: JSON.stringify({ ids }),
        }),
      ),
    );
    for (const a of answers) customers += a.customers.length;
  }
  start = page.next;
} while (start);
const totalSeconds = (performance.now() - started) / 1000;

const stats = sim.stats();
await sim.stop();
clearInterval(sampler);
peakRss = Math.max(peakRss, process.memoryUsage().rss);
const result = {
  scale,
  node: process.version,
  messages,
  identifiers,
  customers,
  requests: stats.requests,
  messagesSeconds: Number(messagesSeconds.toFixed(1)),
  totalSeconds: Number(totalSeconds.toFixed(1)),
  peakRssMB: Math.round(peakRss / 1024 / 1024),
};
console.log(JSON.stringify(result, null, 2));
if (peakRss > 1024 * 1024 * 1024) {
  console.error('peak RSS above 1 GB');
  process.exitCode = 1;
}
