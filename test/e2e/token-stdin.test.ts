import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Simulator, startSimulator } from '../../src/sim/index.js';
import { runCli } from '../helpers/cli.js';
import { scratchDir } from '../helpers/scratch-dir.js';

const TOKEN = 'tok-from-stdin-0123456789';
let sim: Simulator;
const dir = scratchDir('token-stdin');

beforeAll(async () => {
  sim = await startSimulator({ rps: 0, seed: 3, token: TOKEN });
});
afterAll(() => sim.stop());

const syncArgs = (file: string) => [
  'sync',
  '--access-token',
  '-',
  '--base-url',
  sim.url,
  '--streams',
  'workspaces,topics',
  '--destination',
  `duckdb:${join(dir, file)}`,
];

describe('--access-token - (the token on standard input, never on the command line)', () => {
  it('syncs with the token piped in, and the token appears in no output', async () => {
    const result = await runCli(syncArgs('piped.duckdb'), { input: `${TOKEN}\n` });
    expect(result.code, result.stderr).toBe(0);
    expect(sim.stats().requests).toBeGreaterThan(0);
    expect(`${result.stdout}${result.stderr}`).not.toContain(TOKEN);
  });

  it('refuses empty input with a usage error that says what to do', async () => {
    const result = await runCli(syncArgs('empty.duckdb'), { input: '' });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/read nothing from standard input.*CIO_ACCESS_TOKEN/);
  });

  it('refuses input of more than one word, without echoing it', async () => {
    const result = await runCli(syncArgs('words.duckdb'), { input: `${TOKEN} and more\n` });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/more than one word/);
    expect(result.stderr).not.toContain(TOKEN);
  });

  it('says in --help that a token flag stays visible in ps and what to use instead', async () => {
    const result = await runCli(['sync', '--help']);
    expect(result.code).toBe(0);
    const help = result.stdout.replace(/\s+/g, ' ');
    expect(help).toMatch(/"-" to read it from stdin/);
    expect(help).toMatch(/visible in ps \(under npx/);
    expect(help).toMatch(/CIO_ACCESS_TOKEN/);
  });
});

describe('a short token', () => {
  it('masks no part of ordinary words in the log', async () => {
    const shortSim = await startSimulator({ rps: 0, seed: 3, token: 'table' });
    try {
      const result = await runCli(
        [
          'sync',
          '--base-url',
          shortSim.url,
          '--streams',
          'workspaces,topics',
          '--destination',
          `duckdb:${join(dir, 'short.duckdb')}`,
        ],
        { env: { CIO_ACCESS_TOKEN: 'table' } },
      );
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toMatch(/Syncing 2 table\(s\)/);
      expect(result.stderr).not.toContain('***');
    } finally {
      await shortSim.stop();
    }
  });
});
