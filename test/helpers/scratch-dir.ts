import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

/**
 * A fresh temporary folder for the tests of one file (or describe block), removed after its last
 * test. Call it where hooks may be registered: at the top level of a file or of a describe block.
 */
export function scratchDir(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `cio-${name}-`));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
