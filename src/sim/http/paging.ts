/**
 * Paging helpers. Cursor tokens are opaque strings that carry a position, a variant (so the same
 * position can be handed out under a different-looking token) and a MAC over both, so a garbage
 * or foreign token is rejected with 400 instead of being misread.
 *
 * Live tokens are standard base64 with `=` padding, like the live API's (`djIwOjE=`); each one
 * also holds a `+` or a `/` (its first byte is 0xF8-0xFF), so a client that sends one back
 * without URL-encoding it breaks visibly: the query decodes `+` to a space and the token is
 * refused. Spec-shape tokens are unpadded base64url, which needs no encoding.
 *
 * Position semantics are the same for every cursor endpoint: the token holds the raw index (or
 * id, for keyset-paged lists) of the first record the next page should examine.
 */

import { hash32 } from '../world/prng.js';
import type { Shapes } from '../world/types.js';
import { SimHttpError } from './http-error.js';

export interface CursorPosition {
  pos: number;
  variant: number;
}

/** Where the fields sit in a token's bytes, per shape. */
const LAYOUT = {
  // [pos ^ mask: 4][variant: 1][salt: 3][mac: 4], 16 base64url characters.
  spec: { size: 12, at: 0, encoding: 'base64url', pattern: /^[A-Za-z0-9_-]{16}$/ },
  // [0xF8 | salt & 7: 1][pos ^ mask: 4][variant: 1][salt: 3][mac: 4], 18 characters and "==".
  live: { size: 13, at: 1, encoding: 'base64', pattern: /^[A-Za-z0-9+/]{18}==$/ },
} as const;

export class CursorCodec {
  constructor(
    private readonly seed: number,
    private readonly shapes: Shapes = 'live',
  ) {}

  encode(resource: string, pos: number, variant = 0): string {
    const { size, at, encoding } = LAYOUT[this.shapes];
    const bytes = Buffer.alloc(size);
    const v = variant & 0xff;
    const salt = hash32(this.seed, resource, pos, v, 'salt') & 0xffffff;
    if (at > 0) bytes.writeUInt8(0xf8 | (salt & 7), 0);
    bytes.writeUInt32BE((pos ^ hash32(this.seed, resource, 'pos-mask')) >>> 0, at);
    bytes.writeUInt8(v, at + 4);
    bytes.writeUIntBE(salt, at + 5, 3);
    bytes.writeUInt32BE(hash32(this.seed, resource, pos, v, salt, 'mac'), at + 8);
    return bytes.toString(encoding);
  }

  decode(resource: string, token: string): CursorPosition | undefined {
    const { size, at, encoding, pattern } = LAYOUT[this.shapes];
    if (!pattern.test(token)) return undefined;
    const bytes = Buffer.from(token, encoding);
    // Only the exact text encode gives (base64 decoders accept other spellings of the same bytes).
    if (bytes.length !== size || bytes.toString(encoding) !== token) return undefined;
    const pos = (bytes.readUInt32BE(at) ^ hash32(this.seed, resource, 'pos-mask')) >>> 0;
    const variant = bytes.readUInt8(at + 4);
    const salt = bytes.readUIntBE(at + 5, 3);
    if (at > 0 && bytes.readUInt8(0) !== (0xf8 | (salt & 7))) return undefined;
    if (bytes.readUInt32BE(at + 8) !== hash32(this.seed, resource, pos, variant, salt, 'mac'))
      return undefined;
    return { pos, variant };
  }

  /** Reads `start` from the query: undefined when absent or empty; 400 when not a token of ours. */
  readStart(resource: string, query: URLSearchParams): CursorPosition | undefined {
    const raw = query.get('start');
    if (raw === null || raw === '') return undefined;
    const decoded = this.decode(resource, raw);
    if (!decoded) throw new SimHttpError(400, 'invalid start cursor');
    return decoded;
  }
}

/** `limit` query parameter: default when absent, clamped to max, 400 when not a positive integer. */
export function readLimit(query: URLSearchParams, defaultLimit: number, max: number): number {
  const raw = query.get('limit');
  if (raw === null || raw === '') return defaultLimit;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new SimHttpError(400, 'limit must be a positive integer');
  return Math.min(n, max);
}

/** Optional non-negative integer query parameter (offset, start_ts, end_ts, ids). */
export function readInt(query: URLSearchParams, name: string): number | undefined {
  const raw = query.get(name);
  if (raw === null || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new SimHttpError(400, `${name} must be a non-negative integer`);
  return n;
}

export function readBool(query: URLSearchParams, name: string): boolean {
  const raw = query.get(name);
  return raw === 'true' || raw === '1';
}

export interface Collected<T> {
  items: T[];
  /** Index of the first acceptable record after the page, if there is one. */
  nextIndex: number | undefined;
}

/**
 * Visits first, first+step, ... while strictly before `stop`, keeping the records `take` accepts,
 * until `limit` are kept; then keeps walking to find where the next page starts, so the last
 * page is known to be last (and gets `next: ""`).
 */
export function collect<T>(
  first: number,
  stop: number,
  step: 1 | -1,
  limit: number,
  take: (index: number) => T | undefined,
): Collected<T> {
  const items: T[] = [];
  const inRange = (i: number) => (step > 0 ? i < stop : i > stop);
  for (let i = first; inRange(i); i += step) {
    const item = take(i);
    if (item === undefined) continue;
    if (items.length === limit) return { items, nextIndex: i };
    items.push(item);
  }
  return { items, nextIndex: undefined };
}
