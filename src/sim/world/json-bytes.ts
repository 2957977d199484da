/**
 * Writes JSON text straight into bytes, for the feed pages: building a page of 1000 records as
 * objects, then JSON.stringify, then UTF-8 encoding costs several times more than writing the
 * bytes once. Whatever is written must be exactly what JSON.stringify would produce.
 *
 * Two levels: JsonBytes, a growing buffer with checked appends (`string` escapes as
 * JSON.stringify does), and the put* functions for hot serializers, which write at a position in
 * a buffer the caller has reserved room in (`reserve`) and return the position after. They write
 * only plain ASCII that needs no escaping: fixed fragments, integers, hex, base64url.
 */

/** The bytes of a fixed piece of JSON (punctuation, keys, literals). */
export function fragment(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'utf8'));
}

export class JsonBytes {
  private buf: Buffer;
  /** Bytes written so far. */
  pos = 0;

  constructor(initialSize = 1024) {
    this.buf = Buffer.allocUnsafe(initialSize);
  }

  /** Starts over, writing into `buffer` (which then belongs to this writer) or the current one. */
  reset(buffer?: Buffer): void {
    if (buffer) this.buf = buffer;
    this.pos = 0;
  }

  /** Makes room for `n` more bytes and returns the buffer to put* them into, from `pos`. */
  reserve(n: number): Buffer {
    if (this.pos + n > this.buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
      bigger.set(this.buf.subarray(0, this.pos));
      this.buf = bigger;
    }
    return this.buf;
  }

  /** Appends precomputed bytes (see `fragment`). */
  raw(bytes: Uint8Array): void {
    this.pos = putBytes(this.reserve(bytes.length), this.pos, bytes);
  }

  /** Appends one ASCII character code (punctuation). */
  char(code: number): void {
    this.reserve(1)[this.pos++] = code;
  }

  /** Appends a string as a JSON string literal, quotes included, escaped as JSON.stringify does. */
  string(text: string): void {
    const n = text.length;
    const buf = this.reserve(n + 2);
    let p = this.pos;
    buf[p++] = 0x22;
    for (let k = 0; k < n; k++) {
      const c = text.charCodeAt(k);
      if (!isPlain(c)) {
        // Needs escaping or is not ASCII: let JSON.stringify and the UTF-8 encoder do it.
        this.utf8(JSON.stringify(text));
        return;
      }
      buf[p++] = c;
    }
    buf[p++] = 0x22;
    this.pos = p;
  }

  /** Appends text that is already JSON (e.g. JSON.stringify's output), encoded as UTF-8. */
  utf8(json: string): void {
    this.pos += this.reserve(json.length * 3).write(json, this.pos, 'utf8');
  }

  /**
   * Hands over what was written: `bytes` is a view of `backing`, the writer's buffer, which the
   * writer lets go of (reset it with a buffer before writing again).
   */
  detach(): { bytes: Buffer; backing: Buffer } {
    const backing = this.buf;
    const bytes = backing.subarray(0, this.pos);
    this.buf = EMPTY;
    this.pos = 0;
    return { bytes, backing };
  }

  toString(): string {
    return this.buf.toString('utf8', 0, this.pos);
  }
}

/** Printable ASCII other than `"` and `\`: JSON.stringify leaves it as is. */
function isPlain(code: number): boolean {
  return code >= 0x20 && code <= 0x7e && code !== 0x22 && code !== 0x5c;
}

export function putBytes(buf: Uint8Array, p: number, bytes: Uint8Array): number {
  const n = bytes.length;
  for (let k = 0; k < n; k++) buf[p + k] = bytes[k]!;
  return p + n;
}

/** A copy of bytes already in the buffer, [start, end). */
export function putCopy(buf: Uint8Array, p: number, start: number, end: number): number {
  for (let k = start; k < end; k++) buf[p++] = buf[k]!;
  return p;
}

/** A number as JSON.stringify writes it (at most 24 bytes). */
export function putNumber(buf: Uint8Array, p: number, value: number): number {
  if ((value | 0) !== value || value < 0) {
    // Not an integer in [0, 2^31): not expected here, so the slow way.
    const text = JSON.stringify(value);
    for (let k = 0; k < text.length; k++) buf[p++] = text.charCodeAt(k);
    return p;
  }
  const end = p + digitCount(value);
  let v = value;
  let q = end;
  do {
    const next = (v / 10) | 0;
    buf[--q] = 48 + v - next * 10;
    v = next;
  } while (v !== 0);
  return end;
}

/** A non-negative integer below 2^31, zero-padded to `width` digits. */
export function putPadded(buf: Uint8Array, p: number, value: number, width: number): number {
  for (let k = digitCount(value); k < width; k++) buf[p++] = 0x30;
  return putNumber(buf, p, value);
}

function digitCount(value: number): number {
  if (value < 1e5) return value < 10 ? 1 : value < 100 ? 2 : value < 1e3 ? 3 : value < 1e4 ? 4 : 5;
  return value < 1e6 ? 6 : value < 1e7 ? 7 : value < 1e8 ? 8 : value < 1e9 ? 9 : 10;
}

/** A 32-bit value as 8 hex digits (lower case unless given the upper-case digits). */
export function putHex8(buf: Uint8Array, p: number, value: number, digits: Uint8Array = HEX): number {
  for (let k = 7; k >= 0; k--) buf[p++] = digits[(value >>> (k * 4)) & 15]!;
  return p;
}

/** The unpadded base64url text of `bytes` (what Buffer's toString('base64url') gives). */
export function putBase64url(buf: Uint8Array, p: number, bytes: Uint8Array): number {
  const n = bytes.length;
  let k = 0;
  for (; k + 3 <= n; k += 3) {
    const v = (bytes[k]! << 16) | (bytes[k + 1]! << 8) | bytes[k + 2]!;
    buf[p++] = B64URL[v >>> 18]!;
    buf[p++] = B64URL[(v >>> 12) & 63]!;
    buf[p++] = B64URL[(v >>> 6) & 63]!;
    buf[p++] = B64URL[v & 63]!;
  }
  if (n - k === 1) {
    const v = bytes[k]!;
    buf[p++] = B64URL[v >>> 2]!;
    buf[p++] = B64URL[(v & 3) << 4]!;
  } else if (n - k === 2) {
    const v = (bytes[k]! << 8) | bytes[k + 1]!;
    buf[p++] = B64URL[v >>> 10]!;
    buf[p++] = B64URL[(v >>> 4) & 63]!;
    buf[p++] = B64URL[(v & 15) << 2]!;
  }
  return p;
}

const EMPTY = Buffer.alloc(0);
const HEX = fragment('0123456789abcdef');
const B64URL = fragment('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_');
