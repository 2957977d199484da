import { accessSync, closeSync, constants, openSync, readSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { CioError } from '../../core/errors.js';

/** Bytes 8-11 of every DuckDB database file. */
const DUCKDB_MAGIC = 'DUCK';

function unusable(path: string, why: string): CioError {
  return new CioError(
    'CIO_ERR_DESTINATION',
    `destination duckdb:${path} is not usable: ${why}. Choose a writable path such as duckdb:./customerio.duckdb.`,
  );
}

function startsLikeDuckDb(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(12);
    const read = readSync(fd, head, 0, head.length, 0);
    return read === head.length && head.toString('latin1', 8, 12) === DUCKDB_MAGIC;
  } finally {
    closeSync(fd);
  }
}

/**
 * Checks, without creating or changing anything, that a DuckDB file can be written: run before the
 * API is asked anything, so a typo in the path fails in a second with exit code 2 instead of after
 * the connection check, and never leaves a stray file behind.
 */
export function preflightDuckDb(file: string): void {
  const path = resolve(file);
  let stats: ReturnType<typeof statSync> | undefined;
  try {
    stats = statSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR') throw unusable(file, 'a part of the path is a file, not a folder');
    if (code !== 'ENOENT') throw unusable(file, `it cannot be inspected (${code ?? 'unknown error'})`);
  }
  if (stats === undefined) {
    const folder = dirname(path);
    let folderStats: ReturnType<typeof statSync>;
    try {
      folderStats = statSync(folder);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw unusable(
        file,
        code === 'ENOTDIR'
          ? 'a part of the path is a file, not a folder'
          : `the folder ${folder} does not exist`,
      );
    }
    if (!folderStats.isDirectory()) throw unusable(file, `${folder} is not a folder`);
    try {
      accessSync(folder, constants.W_OK);
    } catch {
      throw unusable(file, `the folder ${folder} is not writable`);
    }
    return;
  }
  if (stats.isDirectory()) throw unusable(file, 'it is a folder, not a database file');
  if (!stats.isFile()) throw unusable(file, 'it is not a regular file');
  try {
    accessSync(path, constants.R_OK | constants.W_OK);
  } catch {
    throw unusable(file, 'the file is not writable');
  }
  // An empty file is what `touch` leaves; DuckDB initialises it. Anything else must be a database.
  if (stats.size > 0 && !startsLikeDuckDb(path)) {
    throw unusable(file, 'the file exists but is not a DuckDB database (it would not be overwritten)');
  }
}
