import { readFileSync } from 'node:fs';
import { CioError } from '../core/errors.js';

/** The value of `--access-token` that means "read the token from standard input". */
export const TOKEN_FROM_STDIN = '-';

/**
 * The token piped to standard input (`--access-token -`): unlike a flag's value, it never appears in
 * the command line that `ps` shows, including the `npm exec` parent of an `npx cio-sync` run.
 */
export function readTokenFromStdin(): string {
  if (process.stdin.isTTY) {
    throw new CioError(
      'CIO_ERR_CONFIG',
      '--access-token - reads the App API key from standard input, which is a terminal here. Pipe it in (e.g. `cio-sync sync --access-token - < token.txt`) or set CIO_ACCESS_TOKEN.',
    );
  }
  let text: string;
  try {
    text = readFileSync(0, 'utf8');
  } catch (error) {
    throw new CioError(
      'CIO_ERR_CONFIG',
      `--access-token - could not read standard input (${(error as NodeJS.ErrnoException).code ?? 'error'}). Pipe the App API key in, or set CIO_ACCESS_TOKEN.`,
    );
  }
  const token = text.trim();
  if (token === '' || /\s/.test(token)) {
    throw new CioError(
      'CIO_ERR_CONFIG',
      token === ''
        ? '--access-token - read nothing from standard input. Pipe the App API key in (one line), or set CIO_ACCESS_TOKEN.'
        : '--access-token - read more than one word from standard input. Pipe only the App API key (one line).',
    );
  }
  return token;
}
