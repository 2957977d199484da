/**
 * JSON.parse for response bodies of any size, without one string the size of the body.
 *
 * A page of 1000 messages is ~600 KB. Decoding it into one string and parsing that took 7.8 ms of a
 * sync's main thread per page on this project's machines, most of it allocating the large string
 * (V8 puts it in its large-object space, whose pages are mapped afresh each time). A large object or
 * array is parsed here member by member instead: a byte scan finds where each member ends, and
 * JSON.parse reads each member's own small slice (4.1 ms a page). The scan only finds boundaries; JSON.parse still checks every member,
 * and the scan checks the punctuation between them. Anything the scan does not expect sends the
 * whole body to JSON.parse, so invalid JSON fails exactly as JSON.parse fails it.
 */

/** Bodies up to this size, and members up to it, are parsed in one JSON.parse. */
export const PIECE_BYTES = 64 * 1024;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;

const WHITESPACE = new Uint8Array(256);
for (const byte of [0x20, 0x09, 0x0a, 0x0d]) WHITESPACE[byte] = 1;

/** The scan met something it does not handle: the whole body goes to JSON.parse. */
class NotSplittable extends Error {}

/** Parses a UTF-8 JSON document, as `JSON.parse(bytes.toString('utf8'))` would. */
export function parseJsonBytes(bytes: Buffer, pieceBytes: number = PIECE_BYTES): unknown {
  if (bytes.length > pieceBytes) {
    try {
      return parsePiecewise(bytes, pieceBytes);
    } catch {
      // NotSplittable, a member JSON.parse rejected, or nesting too deep for the scan: JSON.parse
      // decides, on the whole body.
    }
  }
  return JSON.parse(bytes.toString('utf8'));
}

/**
 * The member-by-member parse alone: throws, rather than falling back, on whatever it does not
 * handle (a document that is not an object or array, a scalar longer than `pieceBytes`, invalid JSON).
 */
export function parsePiecewise(bytes: Buffer, pieceBytes: number): unknown {
  return new PieceParser(bytes, pieceBytes).document();
}

class PieceParser {
  /** Where the container parsed last ended. */
  private position = 0;

  constructor(
    private readonly bytes: Buffer,
    private readonly pieceBytes: number,
  ) {}

  document(): unknown {
    const end = this.bytes.length;
    const start = this.skipWhitespace(0);
    const first = this.bytes[start];
    if (first !== OPEN_OBJECT && first !== OPEN_ARRAY) throw new NotSplittable();
    const value = this.container(start);
    if (this.skipWhitespace(this.position) !== end) throw new NotSplittable();
    return value;
  }

  /** Parses the object or array that opens at `start`; `position` is then just past its end. */
  private container(start: number): unknown {
    const { bytes } = this;
    const isObject = bytes[start] === OPEN_OBJECT;
    const close = isObject ? CLOSE_OBJECT : CLOSE_ARRAY;
    const object: Record<string, unknown> = {};
    const array: unknown[] = [];
    let at = this.skipWhitespace(start + 1);
    if (bytes[at] === close) {
      this.position = at + 1;
      return isObject ? object : array;
    }
    for (;;) {
      let key = '';
      if (isObject) {
        if (bytes[at] !== QUOTE) throw new NotSplittable();
        const keyEnd = this.valueEnd(at, bytes.length);
        if (keyEnd === undefined) throw new NotSplittable();
        key = JSON.parse(bytes.toString('utf8', at, keyEnd)) as string;
        at = this.skipWhitespace(keyEnd);
        if (bytes[at] !== COLON) throw new NotSplittable();
        at = this.skipWhitespace(at + 1);
      }
      const value = this.member(at);
      at = this.skipWhitespace(this.position);
      if (!isObject) array.push(value);
      // JSON.parse makes "__proto__" an own property; assigning it would set the prototype instead.
      else if (key === '__proto__')
        Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
      else object[key] = value;
      if (bytes[at] === COMMA) {
        at = this.skipWhitespace(at + 1);
        continue;
      }
      if (bytes[at] !== close) throw new NotSplittable();
      this.position = at + 1;
      return isObject ? object : array;
    }
  }

  /** Parses the member value at `start`: one JSON.parse if it is small, else member by member. */
  private member(start: number): unknown {
    const end = this.valueEnd(start, start + this.pieceBytes);
    if (end === undefined) return this.container(start);
    if (end === start) throw new NotSplittable();
    this.position = end;
    return JSON.parse(this.bytes.toString('utf8', start, end));
  }

  /**
   * Where the value starting at `start` ends (exclusive): after its closing bracket or quote, or at
   * the comma, bracket or whitespace that ends a number or literal. `undefined` when it is an
   * object or array still open at `limit` (the caller parses it member by member). Only quotes,
   * escapes and brackets are looked at; JSON.parse judges the rest.
   */
  private valueEnd(start: number, limit: number): number | undefined {
    const { bytes } = this;
    const stop = Math.min(limit, bytes.length);
    let depth = 0;
    for (let at = start; at < stop; at++) {
      const byte = bytes[at] as number;
      if (byte === QUOTE) {
        for (at++; at < stop; at++) {
          const inString = bytes[at];
          if (inString === BACKSLASH) at++;
          else if (inString === QUOTE) break;
        }
        if (at >= stop) break;
        if (depth === 0) return at + 1;
      } else if (byte === OPEN_OBJECT || byte === OPEN_ARRAY) depth++;
      else if (byte === CLOSE_OBJECT || byte === CLOSE_ARRAY) {
        if (depth === 0) return at;
        depth--;
        if (depth === 0) return at + 1;
      } else if (depth === 0 && (byte === COMMA || WHITESPACE[byte] === 1)) return at;
    }
    if (stop === bytes.length && depth === 0) return stop;
    if (stop < bytes.length && (bytes[start] === OPEN_OBJECT || bytes[start] === OPEN_ARRAY))
      return undefined;
    throw new NotSplittable();
  }

  private skipWhitespace(from: number): number {
    const { bytes } = this;
    let at = from;
    while (at < bytes.length && WHITESPACE[bytes[at] as number] === 1) at++;
    return at;
  }
}
