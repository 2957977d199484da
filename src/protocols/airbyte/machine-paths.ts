import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * The package's folder: the nearest one above this module holding a package.json. Searched, not
 * counted, because the module sits at different depths in dist/ and in the bundled dist/bin/.
 */
function packageRoot(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const ROOT = packageRoot();
/** `file:///pkg/` and `/pkg/` (with its separator): what stays is relative to the package. */
const ROOT_PREFIX =
  ROOT === undefined
    ? undefined
    : new RegExp(`(?:${escapeRegExp(pathToFileURL(ROOT).href)}|${escapeRegExp(ROOT)})[\\\\/]`, 'g');
const FILE_URL = /file:\/\/[^\s'"()<>]*/g;
/**
 * An absolute path with at least two segments, where a path can start (not inside a URL or a word),
 * except the API's own paths (`/v1/...`), which name no file of this machine.
 */
const POSIX_PATH = /(?<![\w.:/~-])\/(?!v\d+\/)[^\s'"()<>,;/]+(?:\/[^\s'"()<>,;/]*)+/g;
const WINDOWS_PATH = /\b[A-Za-z]:\\[^\s'"()<>,;]*/g;

function basename(path: string): string {
  return (
    path
      .replace(/[\\/]+$/, '')
      .split(/[\\/]/)
      .at(-1) ?? ''
  );
}

/**
 * The text without this machine's absolute paths, for messages that leave it (an Airbyte platform
 * shows and stores them): paths into the package become relative to it, any other path keeps only
 * its last segment (`/tmp/x/config.json` -> `config.json`, a stack frame keeps its `file:line:col`).
 */
export function withoutMachinePaths(text: string): string {
  const relative = ROOT_PREFIX ? text.replace(ROOT_PREFIX, '') : text;
  return relative
    .replace(FILE_URL, (url) => basename(url))
    .replace(POSIX_PATH, (path) => basename(path))
    .replace(WINDOWS_PATH, (path) => basename(path));
}
