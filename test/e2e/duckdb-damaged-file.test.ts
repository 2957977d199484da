import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Simulator, startSimulator } from '../../src/sim/index.js';
import { runCli } from '../helpers/cli.js';
import { scratchDir } from '../helpers/scratch-dir.js';

/**
 * A DuckDB file whose bytes were damaged (a disk fault, a copy cut short) is reported as damaged,
 * with what to do about it, and is never written to: it may be the only copy of what was synced.
 */
const dir = scratchDir('duckdb-damaged');
/** The file size DuckDB reserves for its headers: blocks start after these bytes. */
const HEADERS_BYTES = 12_288;
let sim: Simulator;
let healthy: string;

beforeAll(async () => {
  sim = await startSimulator({ rps: 0, seed: 5 });
  healthy = join(dir, 'healthy.duckdb');
  const first = await runCli(syncArgs(healthy), { env: { CIO_ACCESS_TOKEN: sim.token } });
  expect(first.code, first.stderr).toBe(0);
  expect(existsSync(`${healthy}.wal`)).toBe(false);
});

afterAll(async () => {
  await sim?.stop();
});

function syncArgs(file: string): string[] {
  return ['sync', '--base-url', sim.url, '--streams', 'campaigns', '--destination', `duckdb:${file}`];
}

function digest(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

const DAMAGES: { name: string; damage: (bytes: Buffer) => Buffer }[] = [
  {
    name: 'random bytes after a valid header',
    damage: (bytes) => {
      randomBytes(bytes.length - HEADERS_BYTES).copy(bytes, HEADERS_BYTES);
      return bytes;
    },
  },
  { name: 'a file cut short', damage: (bytes) => bytes.subarray(0, 20_000) },
];

describe('a damaged DuckDB file', () => {
  for (const { name, damage } of DAMAGES) {
    it(`${name}: says the file is damaged and how to recover, exit 2, file untouched`, async () => {
      const file = join(dir, `${name.replaceAll(' ', '-')}.duckdb`);
      copyFileSync(healthy, file);
      writeFileSync(file, damage(readFileSync(file)));
      const before = digest(file);

      const run = await runCli(syncArgs(file), { env: { CIO_ACCESS_TOKEN: sim.token } });

      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr).toMatch(/is damaged/);
      expect(run.stderr).toMatch(/Restore it from a backup/);
      expect(run.stderr).toMatch(/sync everything again from scratch/);
      expect(run.stderr).not.toMatch(/writable|permission/i);
      expect(digest(file)).toBe(before);
      expect(existsSync(`${file}.wal`)).toBe(false);
    });
  }
});
