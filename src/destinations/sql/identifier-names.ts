import { createHash } from 'node:crypto';

/** What an engine allows in an identifier; part of each engine's capabilities record. */
export interface IdentifierRules {
  /** Longest identifier in UTF-8 bytes; longer names are silently truncated by PostgreSQL. */
  maxBytes: number;
  /** DuckDB matches identifiers case-insensitively even when quoted, so `Email` and `email` clash. */
  caseInsensitive: boolean;
  /**
   * PostgreSQL text cannot hold U+0000, so a field name carrying one cannot be saved in the column
   * map: such a field is stored under its name with U+FFFD instead (as U+0000 in text values is).
   */
  textRefusesNul?: boolean;
}

const HASH_CHARS = 8;

/** The form under which the engine compares two identifiers: equal keys are the same column. */
export function identifierKey(name: string, rules: IdentifierRules): string {
  return rules.caseInsensitive ? name.toLowerCase() : name;
}

/** The name under which a field is stored and mapped (see IdentifierRules.textRefusesNul). */
export function storableFieldName(field: string, rules: IdentifierRules): string {
  return rules.textRefusesNul && field.includes('\u0000') ? field.replaceAll('\u0000', '\uFFFD') : field;
}

/** `name` itself when the engine accepts it as is, else its hashed form. */
export function fitIdentifier(name: string, rules: IdentifierRules): string {
  const usable = name.length > 0 && !name.includes('\u0000') && utf8Length(name) <= rules.maxBytes;
  return usable ? name : hashedIdentifier(name, rules, 0);
}

/**
 * A readable prefix of `name` plus a short hash of the full name (and `attempt`, to step past the
 * rare name that is already taken). Deterministic, so the same field always gets the same name.
 */
export function hashedIdentifier(name: string, rules: IdentifierRules, attempt: number): string {
  const hash = createHash('sha256')
    .update(attempt === 0 ? name : `${name}\u0000${attempt}`)
    .digest('hex')
    .slice(0, HASH_CHARS);
  const prefix = truncateUtf8(name.replaceAll('\u0000', ''), rules.maxBytes - HASH_CHARS - 1);
  return `${prefix}_${hash}`;
}

/** The identifier `preferred` should get, given the keys of the identifiers already in use. */
export function assignIdentifier(
  preferred: string,
  taken: ReadonlySet<string>,
  rules: IdentifierRules,
): string {
  const plain = fitIdentifier(preferred, rules);
  if (!taken.has(identifierKey(plain, rules))) return plain;
  for (let attempt = 0; ; attempt++) {
    const candidate = hashedIdentifier(preferred, rules, attempt);
    if (!taken.has(identifierKey(candidate, rules))) return candidate;
  }
}

function utf8Length(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

function truncateUtf8(text: string, maxBytes: number): string {
  if (utf8Length(text) <= maxBytes) return text;
  let out = '';
  let bytes = 0;
  // Iterating by code point keeps surrogate pairs together, so the prefix is always valid UTF-8.
  for (const char of text) {
    const size = utf8Length(char);
    if (bytes + size > maxBytes) break;
    out += char;
    bytes += size;
  }
  return out;
}
