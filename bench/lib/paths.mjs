// Where the benchmarks find the built product and put their scratch files.
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const CLI = join(ROOT, 'dist', 'bin', 'main.js');
export const RESULTS = join(ROOT, 'bench', 'results.json');
/** --quick runs (smoke tests of the scripts) go here, never over the real figures. */
export const QUICK_RESULTS = join(ROOT, 'bench', 'results-quick.json');

/** A fresh scratch folder for one benchmark session (DuckDB files, logs). */
export function scratchDir() {
  const dir = join(tmpdir(), `cio-sync-bench-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}
