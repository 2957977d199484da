import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Simulator, startSimulator } from '../../src/sim/index.js';
import { STREAM_NAMES } from '../../src/streams/definitions.js';
import { runCli } from '../helpers/cli.js';
import { scratchDir } from '../helpers/scratch-dir.js';

const version = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
let sim: Simulator;
const dir = scratchDir('cli');

beforeAll(async () => {
  sim = await startSimulator({ rps: 0, seed: 2 });
});
afterAll(() => sim.stop());

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

  it('shows and resets the state saved in the destination', async () => {
    const destination = `duckdb:${join(dir, 'state.duckdb')}`;
    const sync = await runCli(
      ['sync', '--base-url', sim.url, '--destination', destination, '--streams', 'campaigns,segments,topics'],
      { env: { CIO_ACCESS_TOKEN: sim.token } },
    );
    expect(sync.code, sync.stderr).toBe(0);
    const shown = JSON.parse((await runCli(['state', 'show', '-d', destination])).stdout) as {
      bookmarks: Record<string, { replication_key_value?: string }>;
    };
    expect(Object.keys(shown.bookmarks).sort()).toEqual(['campaigns', 'segments', 'topics']);
    expect(shown.bookmarks.campaigns!.replication_key_value).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    const reset = JSON.parse(
      (await runCli(['state', 'reset', '-d', destination, '--streams', 'campaigns'])).stdout,
    ) as {
      bookmarks: Record<string, unknown>;
    };
    expect(Object.keys(reset.bookmarks).sort()).toEqual(['segments', 'topics']);
    const unknown = await runCli(['state', 'reset', '-d', destination, '--streams', 'nope']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown table\(s\): nope/);
  });
});
