// Empties dist/ before a build, so the package (`files: ["dist"]`) holds only what this build
// wrote: no module a rename left behind.
import { rmSync } from 'node:fs';

rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
