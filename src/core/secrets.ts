/** What every secret becomes in messages, log lines and errors, whoever writes them. */
export const SECRET_MASK = '***';

/**
 * Shorter values are not masked: a short token ("test", "table") would mask parts of ordinary words
 * in every message, and no real API key is that short. (A password inside a URL is masked by
 * position, whatever its length: see maskUrlPassword.)
 */
const MIN_SECRET_LENGTH = 8;

/** A secret counts only where it stands whole: not glued to more letters or digits on either side. */
const wholeOccurrences = new Map<string, RegExp>();
function wholeOccurrence(secret: string): RegExp {
  let pattern = wholeOccurrences.get(secret);
  if (pattern === undefined) {
    const escaped = secret.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    pattern = new RegExp(`(?<![A-Za-z0-9])${escaped}(?![A-Za-z0-9])`, 'g');
    wholeOccurrences.set(secret, pattern);
  }
  return pattern;
}

/**
 * Flags whose value is a secret: ours (--access-token) and the misspellings or other tools' names a
 * person may try (--acess-token=..., --api-key ...), which commander echoes in "unknown option".
 */
const SECRET_FLAG = /^--[\w-]*(token|key|secret|password)[\w-]*$/i;

/**
 * Secrets the process was given on its command line or in its environment (to mask in output);
 * `secretEnvNames` are the environment variables that carry one.
 */
export function secretsFromProcess(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  secretEnvNames: readonly string[],
): string[] {
  const found: string[] = [];
  argv.forEach((arg, i) => {
    const equals = arg.indexOf('=');
    const name = equals < 0 ? arg : arg.slice(0, equals);
    if (!SECRET_FLAG.test(name)) return;
    const value = equals < 0 ? argv[i + 1] : arg.slice(equals + 1);
    if (value !== undefined && !value.startsWith('--')) found.push(value, value.trim());
  });
  for (const name of secretEnvNames) {
    const value = env[name];
    if (value) found.push(value, value.trim());
  }
  return [...new Set(found.filter((s) => s.length >= MIN_SECRET_LENGTH))];
}

/**
 * `text` with every whole occurrence of a secret masked; longest first, so a secret that contains
 * another is masked whole.
 */
export function maskSecrets(text: string, secrets: readonly string[]): string {
  const maskable = secrets.filter((secret) => secret.length >= MIN_SECRET_LENGTH);
  if (maskable.length > 1) maskable.sort((a, b) => b.length - a.length);
  let out = text;
  for (const secret of maskable) {
    if (out.includes(secret)) out = out.replace(wholeOccurrence(secret), SECRET_MASK);
  }
  return out;
}

/** A URL (or text holding URLs) with the password of every `//user:password@` masked. */
export function maskUrlPassword(text: string): string {
  return text.replace(/(\/\/[^/:@\s]*:)[^@/\s]*@/g, `$1${SECRET_MASK}@`);
}

const learned = new Set<string>();

/**
 * A secret found after start-up (the token from a config file): the last-resort error line of
 * main.ts masks these too, whatever failed and however its message was built.
 */
export function rememberSecret(secret: string): void {
  if (secret.length >= MIN_SECRET_LENGTH) learned.add(secret);
}

export function rememberedSecrets(): string[] {
  return [...learned];
}
