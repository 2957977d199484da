import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Simulator, startSimulator } from '../../src/sim/index.js';
import { STREAM_NAMES } from '../../src/streams/definitions.js';
import { runCli } from '../helpers/cli.js';
import { dropSchema, PG_URL, withPg } from '../helpers/postgres.js';
import { scratchDir } from '../helpers/scratch-dir.js';

const version = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
let sim: Simulator;
const dir = scratchDir('cli');
/** A DuckDB file the first sync of three tables wrote, shared by the state and query tests. */
const synced = `duckdb:${join(dir, 'synced.duckdb')}`;
const schema = `cli_cmds_${process.pid}`;

beforeAll(async () => {
  sim = await startSimulator({ rps: 0, seed: 2, scale: 0.2 });
  const sync = await runCli(
    ['sync', '--base-url', sim.url, '--destination', synced, '--streams', 'campaigns,segments,topics'],
    { env: { CIO_ACCESS_TOKEN: sim.token } },
  );
  expect(sync.code, sync.stderr).toBe(0);
});
afterAll(async () => {
  await sim.stop();
  await dropSchema(schema);
});

describe('the cio-sync commands', () => {
  it('prints its version under both executables', async () => {
    expect((await runCli(['--version'])).stdout.trim()).toBe(version);
    const tap = fileURLToPath(new URL('../../dist/bin/tap-main.js', import.meta.url));
    expect(execFileSync(tap, ['--version'], { encoding: 'utf8' }).trim()).toBe(version);
  });

  it('answers a usage error with exit code 2', async () => {
    const result = await runCli(['synk']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/unknown command 'synk'/);
  });

  it('discovers every table with keys and methods', async () => {
    const result = await runCli(['discover']);
    expect(result.code).toBe(0);
    const catalog = JSON.parse(result.stdout) as {
      streams: {
        name: string;
        primary_key: string[];
        replication_method: string;
        replication_key: string | null;
        parent?: string;
      }[];
    };
    expect(catalog.streams.map((s) => s.name).sort()).toEqual([...STREAM_NAMES].sort());
    const campaigns = catalog.streams.find((s) => s.name === 'campaigns')!;
    expect(campaigns).toMatchObject({
      primary_key: ['id'],
      replication_method: 'incremental',
      replication_key: 'updated',
    });
    expect(catalog.streams.find((s) => s.name === 'customers')!.primary_key).toEqual(['cio_id']);
    expect(catalog.streams.find((s) => s.name === 'segment_members')).toMatchObject({
      primary_key: ['segment_id', 'cio_id'],
      replication_method: 'full_table',
      parent: 'segments',
    });
    expect(campaigns.parent).toBeUndefined();
  });

  it('checks a good key and names the workspace; refuses a bad one with exit code 2', async () => {
    const good = await runCli(['check', '--base-url', sim.url], { env: { CIO_ACCESS_TOKEN: sim.token } });
    expect(good.code).toBe(0);
    const truth = sim.truth() as unknown as { workspaces: { name: string }[] };
    expect(good.stdout).toContain(truth.workspaces[0]!.name);
    const bad = await runCli(['check', '--base-url', sim.url], { env: { CIO_ACCESS_TOKEN: 'not-the-key' } });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/401/);
    expect(bad.stderr).not.toContain('not-the-key');
  });

  it('shows and resets the state saved in the destination, saying what it reset', async () => {
    const shown = JSON.parse((await runCli(['state', 'show', '-d', synced])).stdout) as {
      bookmarks: Record<string, { replication_key_value?: string }>;
    };
    expect(Object.keys(shown.bookmarks).sort()).toEqual(['campaigns', 'segments', 'topics']);
    expect(shown.bookmarks.campaigns!.replication_key_value).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    const reset = await runCli(['state', 'reset', '-d', synced, '--streams', 'campaigns']);
    expect(reset.code, reset.stderr).toBe(0);
    expect((JSON.parse(reset.stdout) as { bookmarks: object }).bookmarks).not.toHaveProperty('campaigns');
    expect(Object.keys((JSON.parse(reset.stdout) as { bookmarks: object }).bookmarks).sort()).toEqual([
      'segments',
      'topics',
    ]);
    expect(reset.stderr).toMatch(
      /INFO Reset the bookmarks of campaigns: the next sync reads it as a first sync would\.\n$/,
    );
    const unknown = await runCli(['state', 'reset', '-d', synced, '--streams', 'nope']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown table\(s\): nope/);
  });

  it('plans the next sync per table: the last run where there is one, a probe or the least otherwise', async () => {
    const run = await runCli(
      ['plan', '-d', synced, '--base-url', sim.url, '--streams', 'campaigns,messages,eps_suppression'],
      { env: { CIO_ACCESS_TOKEN: sim.token } },
    );
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.split('\n').map((line) => line.split(/\s{2,}/));
    expect(lines[0]).toEqual(['table', 'read', 'from', 'requests', 'time']);
    expect(lines[1]).toEqual(['campaigns', 'complete', 'last run', '1', '0:00']);
    expect(lines[2]).toEqual(['messages', 'complete', 'probe', '1', '0:00']);
    expect(lines[3]).toEqual(['eps_suppression', 'complete', 'at least', '4', '0:00']);
    expect(lines[5]).toEqual(['total', 'at 10/s', '7', '0:01']);
    expect(run.stdout).toContain('messages: complete because no complete read yet');
  });

  it('refuses to show or reset the state of a destination that does not exist, and creates nothing', async () => {
    const missing = join(dir, 'missing.duckdb');
    for (const sub of ['show', 'reset']) {
      const result = await runCli(['state', sub, '-d', `duckdb:${missing}`]);
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toBe(
        `error: The DuckDB database ${missing} does not exist, so it holds no saved state. Check the destination (--destination, CIO_DESTINATION or the config file).\n`,
      );
    }
    expect(existsSync(missing)).toBe(false);
    const pg = await runCli(['state', 'show', '-d', PG_URL, '--schema', `${schema}_none`]);
    expect(pg.code).toBe(2);
    expect(pg.stderr).toMatch(/The schema "cli_cmds_\d+_none" of PostgreSQL .* does not exist/);
  });

  it('takes --config, --log-format and --log-level on every command that reaches the API or a destination', async () => {
    const config = join(dir, 'config.json');
    writeFileSync(config, JSON.stringify({ access_token: 'a-wrong-key-1234', base_url: sim.url }));
    const check = await runCli(['check', '--config', config, '--log-format', 'json', '--log-level', 'debug']);
    expect(check.code).toBe(2);
    const lines = check.stderr
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    // The request at debug level, then the failure, each a JSON log line.
    expect(lines[0]).toMatchObject({
      level: 20,
      msg: expect.stringMatching(/^API request \(GET \/v1\/workspaces, status 401/),
    });
    expect(lines.at(-1)).toMatchObject({
      level: 50,
      code: 'CIO_ERR_AUTH',
      msg: expect.stringMatching(/401/),
    });
    expect(check.stderr).not.toContain('a-wrong-key-1234');

    const discover = await runCli(['discover', '--config', config]);
    expect(discover.code, discover.stderr).toBe(0);
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ region: 'mars' }));
    const badConfig = await runCli(['discover', '-c', join(dir, 'bad.json')]);
    expect(badConfig.code).toBe(2);
    expect(badConfig.stderr).toMatch(/region "mars" is unknown/);

    for (const command of [
      ['state', 'show'],
      ['state', 'reset'],
      ['query', 'select 1'],
    ]) {
      const missing = await runCli([
        ...command,
        '-d',
        'duckdb:/nonexistent/x.duckdb',
        '--log-format',
        'json',
      ]);
      expect(missing.code).toBe(2);
      expect(JSON.parse(missing.stderr)).toMatchObject({ level: 50, code: 'CIO_ERR_DESTINATION' });
    }
  });

  it('lists in help only what a command uses, with defaults written one way and the environment', async () => {
    const check = (await runCli(['check', '--help'])).stdout;
    expect(check).toMatch(/--access-token/);
    expect(check).toMatch(/--log-format/);
    for (const unused of [
      '--streams',
      '--destination',
      '--batch-size-rows',
      '--concurrency',
      'CIO_STREAMS',
    ]) {
      expect(check).not.toContain(unused);
    }
    const sync = (await runCli(['sync', '--help'])).stdout.replace(/\s+/g, ' ');
    expect(sync).toContain('(default: duckdb:customerio.duckdb)');
    expect(sync).toContain('(default: 10)');
    expect(sync).toMatch(/CIO_ACCESS_TOKEN access_token .* CIO_DESTINATION destination/);
    for (const command of ['sync', 'plan', 'check', 'demo', 'sim', 'query', 'state show', 'state reset']) {
      const help = (await runCli([...command.split(' '), '--help'])).stdout;
      // commander's own style, without quotes around a text default; never "(default 10)".
      expect(help, command).not.toMatch(/\(default [^:]|default: "/);
      if (command !== 'sim') expect(help, command).toMatch(/--log-format[\s\S]*--log-level/);
      if (!['sim', 'demo'].includes(command)) expect(help, command).toContain('-c, --config <file>');
    }
  });

  it('refuses a number demo cannot use with the message sim gives, and a busy port in one line', async () => {
    for (const [flag, value] of [
      ['--scale', 'abc'],
      ['--latency-ms', 'abc'],
      ['--scale', '0'],
    ] as const) {
      const demo = await runCli(['demo', flag, value, '-f', join(dir, 'never.duckdb')]);
      const simulator = await runCli(['sim', flag, value]);
      expect(demo.code).toBe(2);
      expect(simulator.code).toBe(2);
      expect(demo.stderr).toMatch(/^error: option '.*' argument '.*' is invalid\. expected a number/);
      expect(demo.stderr).toBe(simulator.stderr);
    }
    expect(existsSync(join(dir, 'never.duckdb'))).toBe(false);
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const { port } = busy.address() as { port: number };
    try {
      const result = await runCli(['sim', '--port', String(port)]);
      expect(result.code).toBe(2);
      expect(result.stderr).toBe(
        `error: Port ${port} on 127.0.0.1 is already in use (another simulator?); choose another with --port, or --port 0 for any free port.\n`,
      );
    } finally {
      busy.close();
    }
  });
});

describe('cio-sync query', () => {
  it("prints one statement's result from the DuckDB file as an aligned table, JSON or CSV", async () => {
    const truth = sim.truth() as unknown as { topics: unknown[] };
    const table = await runCli(['query', '-d', synced, 'select count(*) as n from topics']);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toBe(
      `${'n'.padStart(String(truth.topics.length).length)}\n${'-'.repeat(Math.max(1, String(truth.topics.length).length))}\n${truth.topics.length}\n(1 row)\n`,
    );
    const json = await runCli(
      ['query', '--format', 'json', 'select id, name from campaigns order by id limit 2'],
      {
        env: { CIO_DESTINATION: synced },
      },
    );
    expect(json.code, json.stderr).toBe(0);
    const rows = JSON.parse(json.stdout) as { id: number; name: string }[];
    expect(rows).toHaveLength(2);
    expect(typeof rows[0]!.id).toBe('number');
    const config = join(dir, 'query.json');
    writeFileSync(config, JSON.stringify({ destination: synced }));
    const csv = await runCli(['query', '-c', config, '--format', 'csv', "select 'a,b' as x, null as y"]);
    expect(csv.stdout).toBe('x,y\r\n"a,b",\r\n');
  });

  it('is read-only for real on DuckDB: writes, files and several statements are refused, a missing file not created', async () => {
    const before = (
      await runCli(['query', '-d', synced, '--format', 'csv', 'select count(*) from campaigns'])
    ).stdout;
    for (const sql of [
      'delete from campaigns',
      `copy campaigns to '${join(dir, 'out.csv')}'`,
      'select 1; delete from campaigns',
      "attach ':memory:' as elsewhere",
    ]) {
      const result = await runCli(['query', '-d', synced, sql]);
      expect(result.code, sql).toBe(2);
      expect(result.stderr, sql).toMatch(
        /^error: (DuckDB refused the query|cio-sync query runs one statement)/,
      );
    }
    expect(existsSync(join(dir, 'out.csv'))).toBe(false);
    expect(
      (await runCli(['query', '-d', synced, '--format', 'csv', 'select count(*) from campaigns'])).stdout,
    ).toBe(before);
    const missing = join(dir, 'none.duckdb');
    const result = await runCli(['query', '-d', `duckdb:${missing}`, 'select 1']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/does not exist/);
    expect(existsSync(missing)).toBe(false);
  });

  it('reads the PostgreSQL schema inside a read-only transaction that changes nothing', async () => {
    await withPg(async (client) => {
      await client.query(`CREATE SCHEMA ${schema}`);
      await client.query(`CREATE TABLE ${schema}.things (id bigint, body jsonb)`);
      await client.query(`INSERT INTO ${schema}.things VALUES (9007199254740993, '{"a": [1]}'), (2, null)`);
    });
    const select = await runCli([
      'query',
      '-d',
      PG_URL,
      '--schema',
      schema,
      '--format',
      'json',
      'select * from things order by id',
    ]);
    expect(select.code, select.stderr).toBe(0);
    expect(JSON.parse(select.stdout)).toEqual([
      { id: 2, body: null },
      { id: '9007199254740993', body: { a: [1] } },
    ]);
    for (const sql of ['delete from things', 'commit; delete from things', 'create table more (a int)']) {
      const result = await runCli(['query', '-d', PG_URL, '--schema', schema, sql]);
      expect(result.code, sql).toBe(2);
    }
    const count = await withPg((client) => client.query(`SELECT count(*)::int AS n FROM ${schema}.things`));
    expect(count.rows[0]).toEqual({ n: 2 });
    const tables = await withPg((client) =>
      client.query('SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = $1', [schema]),
    );
    expect(tables.rows[0]).toEqual({ n: 1 });
  });
});
