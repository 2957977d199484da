import { readFileSync } from 'node:fs';

const PACKAGE = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
  engines?: { node?: string };
  homepage?: unknown;
};

/** The package version, read once from package.json next to dist/. */
export const VERSION: string = PACKAGE.version;

/** The Node versions the package supports (package.json `engines.node`, e.g. `>=20.19`). */
export const NODE_ENGINE: string | undefined = PACKAGE.engines?.node;

/**
 * Where the package's documentation lives (package.json `homepage`, an http(s) URL), or undefined
 * while the package has no public home: nothing then points readers at a page that does not exist.
 */
export const HOMEPAGE: string | undefined = httpUrl(PACKAGE.homepage);

export function httpUrl(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}
