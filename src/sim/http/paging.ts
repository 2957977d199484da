/**
 * Paging helpers. Cursor tokens are opaque base64url strings that carry a position, a variant
 * (so the same position can be handed out under a different-looking token) and a MAC over both,
 * so a garbage or foreign token is rejected with 400 instead of being misread.
 *
 * Position semantics are the same for every cursor endpoint: the token holds the raw index (or
 * id, for keyset-paged lists) of the first record the next page should examine.
 */

import { hash32 } from '../world/prng.js';
import { SimHttpError } from './http-error.js';

export interface CursorPosition {
  pos: number;
  variant: number;
}

export class CursorCodec {
  constructor(private readonly seed: number) {}

  encode(resource: string, pos: number, variant = 0): string {
    const bytes = Buffer.alloc(12);
    const v = variant & 0xff;
    bytes.writeUInt32BE((pos ^ hash32(this.seed, resource, 'pos-mask')) >>> 0, 0);
    bytes.writeUInt8(v, 4);
    const salt = hash32(this.seed, resource, pos, v, 'salt') & 0xffffff;
    bytes.writeUIntBE(salt, 5, 3);
    bytes.writeUInt32BE(hash32(this.seed, resource, pos, v, salt, 'mac'), 8);
    return bytes.toString('base64url');
  }

  decode(resource: string, token: string): CursorPosition | undefined {
    if (!/^[A-Za-z0-9_-]{16}$/.test(token)) return undefined;
    const bytes = Buffer.from(token, 'base64url');
    if (bytes.length !== 12) return undefined;
    const pos = (bytes.readUInt32BE(0) ^ hash32(this.seed, resource, 'pos-mask')) >>> 0;
    const variant = bytes.readUInt8(4);
    const salt = bytes.readUIntBE(5, 3);
    if (bytes.readUInt32BE(8) !== hash32(this.seed, resource, pos, variant, salt, 'mac')) return undefined;
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
