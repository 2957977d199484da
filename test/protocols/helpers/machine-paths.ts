import { homedir, tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../..', import.meta.url)).replace(/\/$/, '');

/** This machine's absolute paths (and the usual roots of any machine's) found in a text. */
export function machinePathsIn(text: string): string[] {
  const roots = [REPO, tmpdir(), homedir(), 'file://', '/home/', '/work/', '/tmp/', '/root/', '/Users/'];
  return [...new Set(roots.filter((root) => root.length > 1 && text.includes(root)))];
}
