import { formatMicros } from '../../core/time.js';
import type { LogicalType } from '../sql/column-types.js';
import type { ColumnValue } from '../sql/column-values.js';

type Encode = (value: Exclude<ColumnValue, null>) => string;

/** How each column type's value is written in COPY's text format. */
export const copyEncoders: Readonly<Record<LogicalType, Encode>> = {
  text: (value) => escapeCopyText(withoutNul(String(value))),
  json: (value) => escapeCopyText(jsonbStorable(String(value))),
  bigint: (value) => String(value),
  double: (value) => String(value),
  boolean: (value) => (value ? 't' : 'f'),
  timestamptz: (value) => formatMicros(BigInt(value)),
};

/** One line of COPY text format: tab-separated, `\N` for null, terminated by a newline. */
export function copyLine(values: readonly ColumnValue[], encoders: readonly Encode[]): string {
  let line = '';
  for (let index = 0; index < encoders.length; index++) {
    const value = values[index] ?? null;
    if (index > 0) line += '\t';
    line += value === null ? '\\N' : (encoders[index] as Encode)(value);
  }
  return `${line}\n`;
}

/**
 * PostgreSQL text and jsonb cannot hold U+0000, and a batch carrying one would fail on every retry.
 * The character becomes U+FFFD (the replacement character), so the row loads and the change shows.
 */
function withoutNul(text: string): string {
  return text.includes('\u0000') ? text.replaceAll('\u0000', '\uFFFD') : text;
}

/**
 * The same in JSON text, where U+0000 is the escape `\u0000`; jsonb also refuses a lone surrogate,
 * which JSON.stringify writes as an escape `\udXXX` (it writes a valid pair as the character itself).
 * Both become `\ufffd`; an escape counts only when not preceded by an escaping backslash.
 */
function jsonbStorable(json: string): string {
  return json.includes('\\u') ? json.replace(UNSTORABLE_ESCAPE, '$1\\ufffd') : json;
}

const UNSTORABLE_ESCAPE = /(?<!\\)((?:\\\\)*)\\u(?:0000|d[89a-f][0-9a-f]{2})/gi;

const COPY_SPECIAL = /[\\\n\r\t]/g;
const COPY_ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escapeCopyText(text: string): string {
  return text.replace(COPY_SPECIAL, (char) => COPY_ESCAPES[char] ?? char);
}
