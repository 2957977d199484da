import { readFileSync } from 'node:fs';

const PACKAGE = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
  engines?: { node?: string };
};

/** The package version, read once from package.json next to dist/. */
export const VERSION: string = PACKAGE.version;

/** The Node versions the package supports (package.json `engines.node`, e.g. `>=20.19`). */
export const NODE_ENGINE: string | undefined = PACKAGE.engines?.node;
