import { InvalidArgumentError } from 'commander';

/** A commander argument parser: the number, or a usage error (exit 2) saying what was expected. */
function numberArg(what: string, ok: (n: number) => boolean) {
  return (raw: string): number => {
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(n) || !ok(n))
      throw new InvalidArgumentError(`expected ${what}`);
    return n;
  };
}

export const integer = numberArg('an integer', Number.isInteger);
export const port = numberArg('a port number (0-65535)', (n) => Number.isInteger(n) && n >= 0 && n <= 65535);
export const positive = numberArg('a number > 0', (n) => n > 0);
export const nonNegative = numberArg('a number >= 0', (n) => n >= 0);
export const probability = numberArg('a probability between 0 and 1', (n) => n >= 0 && n <= 1);
