// The bin entries must be executable after `npm install` builds the package (the `prepare` script).
import { chmodSync, existsSync } from 'node:fs';

for (const entry of ['main.js', 'tap-main.js']) {
  const bin = new URL(`../dist/bin/${entry}`, import.meta.url);
  if (existsSync(bin)) chmodSync(bin, 0o755);
}
