// The bin entries must be executable: npm pack keeps the mode, and a checkout linked with
// `npm install -g .` runs them as they are.
import { chmodSync, existsSync } from 'node:fs';

for (const entry of ['main.js', 'tap-main.js']) {
  const bin = new URL(`../dist/bin/${entry}`, import.meta.url);
  if (existsSync(bin)) chmodSync(bin, 0o755);
}
