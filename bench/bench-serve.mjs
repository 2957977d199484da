// `cio-sync serve` under load: signed webhook events sent over N keep-alive connections (each one
// request at a time, as Customer.io delivers), for a fixed time; events acknowledged per second and
// the p50/p99 time to the 2xx (which waits for the commit). Into DuckDB and PostgreSQL, with no sync
// and with scheduled syncs running against the simulator in the same process.
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { CLI } from './lib/paths.mjs';
import { startSimProcess } from './lib/simulator.mjs';

const KEY = 'bench-signing-key-0123456789';
const PG_URL = process.env.CIO_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A delivery event like the ones Customer.io sends most (delivered/opened/clicked), ~600 bytes. */
function eventBody(prefix, n) {
  return JSON.stringify({
    event_id: `${prefix}${String(n).padStart(9, '0')}`,
    object_type: 'email',
    metric: ['delivered', 'opened', 'clicked'][n % 3],
    timestamp: 1_700_000_000 + n,
    data: {
      campaign_id: 7,
      action_id: 11,
      delivery_id: `ZAIAAVTJVG0QcCok0-${n}==`,
      customer_id: String(n % 5000),
      identifiers: { id: String(n % 5000), email: `person${n % 5000}@example.com`, cio_id: `c${n % 5000}` },
      recipient: `person${n % 5000}@example.com`,
      subject: 'Your weekly digest',
      ...(n % 3 === 2 ? { href: 'https://example.com/a', link_id: 2, machine: false } : {}),
    },
  });
}

function startServe(args, env) {
  const child = spawn(process.execPath, [CLI, 'serve', ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, ...env },
  });
  let stderr = '';
  const url = new Promise((resolve, reject) => {
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
      const match = /webhooks at (http:\/\/\S+\/webhooks\/customerio)/.exec(stderr);
      if (match) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`serve exited (${code}): ${stderr}`)));
  });
  const exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    url,
    stderr: () => stderr,
    stop: async () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

/** A signed request, made before the clock starts so the generator spends its CPU on sending. */
function signedRequest(prefix, n) {
  const body = eventBody(prefix, n);
  const timestamp = String(Math.floor(Date.now() / 1000));
  const signature = createHmac('sha256', KEY).update(`v0:${timestamp}:${body}`).digest('hex');
  return {
    body,
    headers: {
      'content-type': 'application/json',
      'x-cio-timestamp': timestamp,
      'x-cio-signature': signature,
    },
  };
}

/** Requests prepared per case: more than any case sent on this machine (2,400/s for 10 s). */
const PREPARED = 40_000;

/** Sends for `seconds` over `connections`; returns events/s and latency percentiles in ms. */
async function load(url, connections, seconds, prefix) {
  const prepared = Array.from({ length: PREPARED }, (_, n) => signedRequest(prefix, n));
  const agent = new Agent({ connections, pipelining: 1, keepAliveTimeout: 30_000 });
  const latencies = [];
  let next = 0;
  let failed = 0;
  const started = performance.now();
  const until = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < until) {
        const n = next++;
        const { body, headers } = prepared[n] ?? signedRequest(prefix, n);
        const sent = performance.now();
        const response = await request(url, { method: 'POST', body, dispatcher: agent, headers });
        await response.body.arrayBuffer();
        if (response.statusCode !== 200) failed++;
        else latencies.push(performance.now() - sent);
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  await agent.close();
  latencies.sort((a, b) => a - b);
  const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return {
    connections,
    seconds: Number(elapsed.toFixed(1)),
    events: latencies.length,
    failed,
    eventsPerSecond: Math.round(latencies.length / elapsed),
    p50Ms: Number(at(0.5).toFixed(1)),
    p99Ms: Number(at(0.99).toFixed(1)),
  };
}

export async function benchServe({ dir, log, seconds = 10, syncScale = 20 }) {
  const rows = [];
  for (const destination of ['duckdb', 'postgres']) {
    for (const withSync of [false, true]) {
      const sim = withSync ? await startSimProcess({ scale: syncScale, rps: 0, latencyMs: 0 }) : undefined;
      const file = join(dir, `serve-${withSync ? 'sync' : 'quiet'}.duckdb`);
      const schema = `bench_serve_${process.pid}_${withSync ? 'sync' : 'quiet'}`;
      rmSync(file, { force: true });
      rmSync(`${file}.wal`, { force: true });
      const target =
        destination === 'duckdb'
          ? ['--destination', `duckdb:${file}`]
          : ['--destination', PG_URL, '--schema', schema];
      const sync = sim
        ? ['--sync-every', '2s', '--base-url', sim.url, '--max-requests-per-second', '1000']
        : ['--sync-every', '0'];
      const serve = startServe([...target, '--listen', '127.0.0.1:0', ...sync], {
        CIO_WEBHOOK_SIGNING_KEY: KEY,
        ...(sim ? { CIO_ACCESS_TOKEN: sim.token } : {}),
      });
      try {
        const url = await serve.url;
        for (const connections of [4, 32]) {
          const result = await load(url, connections, seconds, `${destination}-${withSync}-${connections}-`);
          const row = { destination, sync: withSync, ...result };
          log(`serve: ${JSON.stringify(row)}`);
          rows.push(row);
        }
      } finally {
        const code = await serve.stop();
        if (code !== 0) log(`serve exited ${code}: ${serve.stderr().slice(-2000)}`);
        await sim?.stop();
        if (destination === 'postgres') await dropSchema(schema);
      }
    }
  }
  return { seconds, syncScale, rows };
}

async function dropSchema(schema) {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await client.end();
}

/** Report lines: [benchmark, figure, value, target, met]. */
export function serveLines(section) {
  const lines = [];
  for (const row of section.rows) {
    const label = `serve ${row.destination}${row.sync ? ' + sync' : ''}, ${row.connections} conns`;
    const throughputTarget = row.destination === 'duckdb' && row.connections === 32 && !row.sync;
    const latencyTarget = row.destination === 'duckdb' && row.connections === 4 && !row.sync;
    lines.push([
      label,
      'events acknowledged / s',
      String(row.eventsPerSecond),
      throughputTarget ? '>= 1000' : '',
      throughputTarget ? row.eventsPerSecond >= 1000 : undefined,
    ]);
    lines.push([
      label,
      'ack latency p50 / p99, ms',
      `${row.p50Ms} / ${row.p99Ms}`,
      latencyTarget ? 'p99 < 250' : '',
      latencyTarget ? row.p99Ms < 250 : undefined,
    ]);
  }
  return lines;
}
