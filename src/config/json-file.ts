import { readFileSync } from 'node:fs';
import { CioError, type ErrorCode } from '../core/errors.js';

/** Reads and parses a JSON file given on the command line, with an error that says which and why. */
export function readJsonFile(path: string, what: string, code: ErrorCode = 'CIO_ERR_CONFIG'): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const why =
      (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'it does not exist' : 'it cannot be read';
    throw new CioError(
      code,
      `Cannot use the ${what} file ${path}: ${why}. Check the path given to --${what}.`,
    );
  }
  // An empty state file is a common way to say "no state yet".
  if (text.trim() === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new CioError(code, `The ${what} file ${path} is not valid JSON (${(error as Error).message}).`);
  }
}
