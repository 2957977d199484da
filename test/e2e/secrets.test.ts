import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Simulator, startSimulator } from '../../src/sim/index.js';
import { type CliResult, runCli, startCli } from '../helpers/cli.js';
import { type DbRow, queryDuckDb, readDuckDb } from '../helpers/duckdb.js';
import { dropSchema, PG_URL, readPostgres } from '../helpers/postgres.js';
import { scratchDir } from '../helpers/scratch-dir.js';
import { expectedTables, expectTableMatches, sameValue, type TruthLike } from '../helpers/truth.js';

/**
 * The App API key must never leave the Authorization header: not in any log line at any level, in
 * an error message, a stack trace, the state, a table, the run log or the process title. Webhook
 * credentials in the data are stripped before loading, and hostile field names cannot inject SQL.
 */

const dir = scratchDir('secrets');
/** Input files that hold the token on purpose (configs) live outside the folder that is searched. */
const inputs = scratchDir('secrets-input');

interface Watched {
  result: Promise<CliResult>;
  pid: number;
}

/** Like runCli, but exposes the child's pid so /proc can be read while it runs. */
function spawnCli(args: readonly string[], env: NodeJS.ProcessEnv = {}): Watched {
  const { child, result } = startCli(args, { env });
  return { result, pid: child.pid! };
}

/** Every file below `root`, as raw bytes. */
function filesBelow(root: string): { path: string; bytes: Buffer }[] {
  return readdirSync(root, { recursive: true, encoding: 'utf8' })
    .map((entry) => join(root, entry))
    .filter((path) => statSync(path).isFile())
    .map((path) => ({ path, bytes: readFileSync(path) }));
}

/** Every table of a DuckDB file (data, `_cio_state`, `_cio_sync_runs`, `_cio_columns`) as text. */
async function dumpDuckDb(file: string): Promise<string> {
  const tables = await queryDuckDb(file, 'SELECT table_name FROM information_schema.tables ORDER BY 1');
  const names = tables.map((t) => String(t.table_name));
  expect(names).toEqual(expect.arrayContaining(['_cio_state', '_cio_sync_runs', 'campaigns']));
  const dump = await readDuckDb(file, names);
  return JSON.stringify(dump);
}

function poll(until: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve) => {
    const tick = () => {
      if (until()) resolve(true);
      else if (Date.now() > deadline) resolve(false);
      else setTimeout(tick, 10);
    };
    tick();
  });
}

describe('the access token stays secret', () => {
  const token = `cio_${randomBytes(12).toString('hex')}`;
  let sim: Simulator;
  let other: Simulator;

  beforeAll(async () => {
    sim = await startSimulator({ rps: 0, scale: 0.2, seed: 9, token, latencyMs: 20 });
    // A second workspace whose key is not ours: sending ours there is refused with 401.
    other = await startSimulator({ rps: 0, scale: 0.05, seed: 9 });
  });

  afterAll(async () => {
    await sim?.stop();
    await other?.stop();
  });

  it('appears in no output, log level, error, file, table, run log or process title', async () => {
    const runs: { name: string; run: CliResult }[] = [];
    const file = join(dir, 'secret.duckdb');
    const destination = `duckdb:${file}`;
    // Retries, a rate limit and a skipped table: warn lines and a partial run in the log.
    sim.injectFault({ kind: 'status', status: 503, path: '/v1/messages', nth: [1] });
    sim.injectFault({ kind: 'rate_limit', retryAfter: 1, path: '/v1/activities', nth: [1] });
    sim.injectFault({ kind: 'status', status: 403, path: '/v1/collections', nth: [1] });
    sim.injectFault({ kind: 'truncated', method: 'POST', path: '/v1/customers/attributes', nth: [1] });

    // 1. The token as a flag, JSON logs at debug level; the process title read while it runs.
    const watched = spawnCli([
      'sync',
      '--access-token',
      token,
      '--base-url',
      sim.url,
      '--destination',
      destination,
      '--log-format',
      'json',
      '--log-level',
      'debug',
    ]);
    const started = await poll(() => sim.stats().requests > 0, 20_000);
    expect(started, 'the sync reached the API').toBe(true);
    const cmdline = readFileSync(`/proc/${watched.pid}/cmdline`, 'utf8');
    const comm = readFileSync(`/proc/${watched.pid}/comm`, 'utf8');
    expect(cmdline).not.toContain(token);
    expect(cmdline.replace(/\0+$/, '')).toBe('cio-sync');
    expect(comm.trim()).toBe('cio-sync');
    const first = await watched.result;
    expect(first.code, first.stderr).toBe(3);
    const levels = new Set(
      first.stderr
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { level: number }).level),
    );
    expect([...levels].sort()).toEqual(expect.arrayContaining([20, 30, 40]));
    runs.push({ name: 'json debug sync', run: first });

    // 2. The token in the environment, text logs at debug level, a run that fails on a daily quota.
    sim.injectFault({ kind: 'rate_limit', retryAfter: null, path: '/v1/messages' });
    const second = await runCli(
      [
        'sync',
        '--base-url',
        sim.url,
        '--destination',
        destination,
        '--log-level',
        'debug',
        '--max-requests-per-second',
        '1000',
      ],
      { env: { CIO_ACCESS_TOKEN: token } },
    );
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/ DEBUG .* ERROR /s);
    runs.push({ name: 'text debug sync that fails', run: second });
    sim.clearFaults();

    // 3. Our token sent to a workspace that refuses it (401), and a config error, both as flags.
    runs.push({
      name: 'refused key',
      run: await runCli([
        'sync',
        '--access-token',
        token,
        '--base-url',
        other.url,
        '--destination',
        destination,
      ]),
    });
    expect(runs.at(-1)!.run.code).toBe(2);
    runs.push({
      name: 'config error',
      run: await runCli(['sync', '--access-token', token, '--region', 'mars', '--destination', destination]),
    });
    // Misspelt or foreign flags: commander echoes an unknown option, with its value when given with `=`.
    runs.push({ name: 'misspelt flag', run: await runCli(['sync', `--acess-token=${token}`]) });
    runs.push({ name: 'foreign flag', run: await runCli(['sync', '--api-key', token]) });
    expect(runs.at(-1)!.run.code).toBe(2);
    runs.push({
      name: 'config error with the token in the environment',
      run: await runCli(['check', '--base-url', 'http://example.com'], {
        env: { CIO_API_KEY: ` ${token} ` },
      }),
    });
    expect(runs.at(-1)!.run.code).toBe(2);

    // 4. Singer and Airbyte modes, the token in a config file; one of them with a bad state.
    const config = join(inputs, 'config.json');
    writeFileSync(
      config,
      JSON.stringify({ access_token: token, base_url: sim.url, max_requests_per_second: 1000 }),
    );
    const tap = await runCli(['tap', '--config', config]);
    expect(tap.code, tap.stderr).toBe(0);
    runs.push({ name: 'tap', run: tap });
    const catalog = join(inputs, 'catalog.json');
    writeFileSync(
      catalog,
      JSON.stringify({
        streams: ['campaigns', 'customers'].map((name) => ({
          stream: { name },
          sync_mode: 'full_refresh',
          destination_sync_mode: 'overwrite',
        })),
      }),
    );
    const airbyte = await runCli(['airbyte', 'read', '--config', config, '--catalog', catalog]);
    expect(airbyte.code, airbyte.stderr).toBe(0);
    runs.push({ name: 'airbyte read', run: airbyte });
    const badState = join(inputs, 'state.json');
    writeFileSync(badState, '{"bookmarks": ');
    runs.push({
      name: 'airbyte read, bad state',
      run: await runCli(['airbyte', 'read', '--config', config, '--catalog', catalog, '--state', badState]),
    });
    runs.push({ name: 'airbyte check', run: await runCli(['airbyte', 'check', '--config', config]) });

    for (const { name, run } of runs) {
      expect(run.stdout, `${name}: stdout`).not.toContain(token);
      expect(run.stderr, `${name}: stderr`).not.toContain(token);
    }
    // The failures above did say something, so "no token" is not "no text".
    expect(runs.every(({ run }) => run.stderr.length + run.stdout.length > 0)).toBe(true);

    for (const { path, bytes } of filesBelow(dir)) expect(bytes.includes(token), path).toBe(false);
    const dump = await dumpDuckDb(file);
    expect(dump).toContain('"_cio_sync_runs"');
    expect(dump).not.toContain(token);
    const runLog = await queryDuckDb(file, 'SELECT status, error FROM _cio_sync_runs ORDER BY started_at');
    expect(runLog.map((r) => r.status)).toEqual(['partial', 'failed']);
  });
});

describe('credentials in the data', () => {
  it('strips user:pass@ from reporting_webhooks.endpoint before loading, in every mode', async () => {
    const sim = await startSimulator({ rps: 0, scale: 0.3, seed: 4 });
    try {
      const webhooks = sim.truth().reporting_webhooks;
      const secrets = webhooks
        .map((w) => /^https?:\/\/([^/@]+)@/.exec(String(w.endpoint))?.[1])
        .filter((userinfo): userinfo is string => userinfo !== undefined);
      expect(secrets.length, 'the simulator serves endpoints with credentials').toBeGreaterThan(0);
      const [user, password] = secrets[0]!.split(':') as [string, string];

      const file = join(dir, 'webhooks.duckdb');
      const sync = await runCli(
        [
          'sync',
          '--base-url',
          sim.url,
          '--destination',
          `duckdb:${file}`,
          '--streams',
          'reporting_webhooks,campaigns',
        ],
        { env: { CIO_ACCESS_TOKEN: sim.token } },
      );
      expect(sync.code, sync.stderr).toBe(0);
      const loaded = await readDuckDb(file, ['reporting_webhooks']);
      expectTableMatches(
        'reporting_webhooks',
        loaded.reporting_webhooks!,
        expectedTables(sim.truth() as unknown as TruthLike).reporting_webhooks!,
      );
      for (const row of loaded.reporting_webhooks!) expect(String(row.endpoint)).not.toContain('@');
      const dump = await dumpDuckDb(file);

      const config = join(inputs, 'webhooks-config.json');
      writeFileSync(
        config,
        JSON.stringify({ access_token: sim.token, base_url: sim.url, streams: ['reporting_webhooks'] }),
      );
      const tap = await runCli(['tap', '--config', config]);
      expect(tap.code, tap.stderr).toBe(0);
      const records = tap.stdout
        .split('\n')
        .filter((line) => line.includes('"RECORD"'))
        .map((line) => (JSON.parse(line) as { record: { endpoint: string } }).record.endpoint);
      expect(records).toHaveLength(webhooks.length);

      for (const text of [dump, sync.stdout, sync.stderr, tap.stdout, tap.stderr]) {
        expect(text).not.toContain(password);
        expect(text).not.toContain(`${user}:`);
      }
    } finally {
      await sim.stop();
    }
  });
});

// Field names and attribute keys a hostile or careless workspace could hold.
const LONG = `attribute_${'x'.repeat(300)}`;
const HOSTILE_FIELDS: Record<string, (id: number) => unknown> = {
  'x"; DROP TABLE campaigns; --': (id) => `quoted "value" ${id}; DROP TABLE campaigns; --`,
  "it's; DELETE FROM _cio_state; --": (id) => `it's ${id}`,
  [LONG]: (id) => `long ${id}`,
  Name: (id) => `Upper-case twin of name ${id}`,
  NAME: (id) => id * 7,
  'semi;colon`back`tick\\slash': (id) => ({ nested: `"${id}"`, list: [id, `';--`] }),
  'ключ 🙂': (id) => `ünïcödé ${id} ✓`,
};
const HOSTILE_ATTRIBUTES: Record<string, (cioId: string) => string> = {
  'x"; DROP TABLE customers; --': (cioId) => `"${cioId}"; --`,
  Plan: (cioId) => `PLAN-${cioId}`,
  [`note_${'n'.repeat(500)}`]: (cioId) => `${cioId}`.repeat(3),
  "semi;colon'quote": () => "'); DELETE FROM _cio_state; --",
};

type Rec = Record<string, unknown>;

function hostileCampaign(record: Rec): Rec {
  const id = Number(record.id);
  return {
    ...record,
    ...Object.fromEntries(Object.entries(HOSTILE_FIELDS).map(([k, make]) => [k, make(id)])),
  };
}

function hostileCustomer(customer: Rec): Rec {
  const cioId = String((customer.identifiers as Rec).cio_id);
  const extra = Object.fromEntries(Object.entries(HOSTILE_ATTRIBUTES).map(([k, make]) => [k, make(cioId)]));
  return { ...customer, attributes: { ...(customer.attributes as Rec), ...extra } };
}

/** A proxy in front of the simulator that adds hostile names to campaigns and customers' attributes. */
async function hostileProxy(target: string): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const headers: Record<string, string> = {};
    for (const [key, value] of Object.entries(req.headers)) {
      if (
        typeof value === 'string' &&
        !['host', 'connection', 'accept-encoding', 'content-length'].includes(key)
      )
        headers[key] = value;
    }
    const upstream = await fetch(`${target}${req.url}`, {
      method: req.method,
      headers,
      ...(chunks.length > 0 ? { body: Buffer.concat(chunks) } : {}),
    });
    let text = await upstream.text();
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (upstream.ok && path === '/v1/campaigns') {
      const body = JSON.parse(text) as { campaigns: Rec[] | null };
      text = JSON.stringify({ ...body, campaigns: (body.campaigns ?? []).map(hostileCampaign) });
    } else if (upstream.ok && path === '/v1/customers/attributes') {
      // Live workspaces list the people themselves; the vendor wraps each in `customer`.
      const body = JSON.parse(text) as { customers: Rec[] | null };
      text = JSON.stringify({
        ...body,
        customers: (body.customers ?? []).map((c) =>
          c.customer ? { ...c, customer: hostileCustomer(c.customer as Rec) } : hostileCustomer(c),
        ),
      });
    }
    res.writeHead(upstream.status, { 'content-type': 'application/json' });
    res.end(text);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The loaded value of each field, found through `_cio_columns` (names may have been changed to fit). */
function fieldValues(rows: DbRow[], columns: DbRow[], field: string): Map<string, unknown> {
  const column = columns.find((c) => c.field === field && c.role === 'value');
  expect(column, `a column for field ${JSON.stringify(field).slice(0, 60)}`).toBeDefined();
  return new Map(rows.map((row) => [String(row.id), row[String(column!.column_name)]]));
}

describe('hostile field names and attribute keys', () => {
  let sim: Simulator;
  let proxy: { url: string; close: () => Promise<void> };
  const schema = `cio_hostile_${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    sim = await startSimulator({ rps: 0, scale: 0.1, seed: 12 });
    proxy = await hostileProxy(sim.url);
  });

  afterAll(async () => {
    await proxy?.close();
    await sim?.stop();
    await dropSchema(schema);
  });

  const engines = [
    { engine: 'duckdb', args: () => ['--destination', `duckdb:${join(dir, 'hostile.duckdb')}`] },
    { engine: 'postgres', args: () => ['--destination', PG_URL, '--schema', schema] },
  ] as const;

  for (const { engine, args } of engines) {
    it(`${engine}: no injection, no crash, every value exact (twice, so existing columns are reused)`, async () => {
      const read = async (tables: string[]): Promise<Record<string, DbRow[]>> =>
        engine === 'duckdb' ? readDuckDb(join(dir, 'hostile.duckdb'), tables) : readPostgres(schema, tables);
      for (let round = 1; round <= 2; round++) {
        const run = await runCli(
          ['sync', '--base-url', proxy.url, ...args(), '--streams', 'campaigns,customers,topics'],
          { env: { CIO_ACCESS_TOKEN: sim.token } },
        );
        expect(run.code, `round ${round}: ${run.stderr}`).toBe(0);
      }
      const loaded = await read(['campaigns', 'customers', 'topics', '_cio_state', '_cio_columns']);
      const truth = sim.truth() as unknown as TruthLike;
      const expected = expectedTables(truth);
      // Nothing was dropped or deleted by a name: every table and every bookmark is still there.
      expectTableMatches('topics', loaded.topics!, expected.topics!);
      expect(loaded._cio_state!.map((r) => r.stream).sort()).toEqual(['campaigns', 'customers', 'topics']);
      expectTableMatches('campaigns', loaded.campaigns!, expected.campaigns!);

      const columns = loaded._cio_columns!.filter((c) => c.table_name === 'campaigns');
      const campaigns = (truth.campaigns as Rec[]).map(hostileCampaign);
      for (const field of Object.keys(HOSTILE_FIELDS)) {
        const values = fieldValues(loaded.campaigns!, columns, field);
        for (const campaign of campaigns) {
          const value = values.get(String(campaign.id));
          expect(
            sameValue(value, campaign[field]),
            `${field.slice(0, 40)} of campaign ${String(campaign.id)}: ${JSON.stringify(value)}`,
          ).toBe(true);
        }
      }
      // Case-only twins stayed apart.
      const names = new Set(
        columns.filter((c) => ['name', 'Name', 'NAME'].includes(String(c.field))).map((c) => c.column_name),
      );
      expect(names.size).toBe(3);

      const customers = new Map(
        (truth.customers as Rec[])
          .map(hostileCustomer)
          .map((c) => [String((c.identifiers as Rec).cio_id), c]),
      );
      expect(loaded.customers!.length).toBe(customers.size);
      for (const row of loaded.customers!) {
        const want = customers.get(String(row.cio_id))!;
        const attributes = typeof row.attributes === 'string' ? JSON.parse(row.attributes) : row.attributes;
        expect(attributes).toEqual(want.attributes);
      }
    });
  }
});
