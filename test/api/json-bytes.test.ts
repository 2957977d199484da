import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PIECE_BYTES, parseJsonBytes, parsePiecewise } from '../../src/api/json-bytes.js';

/** What the piecewise parse must equal: the whole body decoded, then JSON.parse. */
function reference(bytes: Buffer): { value: unknown } | { error: string } {
  try {
    return { value: JSON.parse(bytes.toString('utf8')) };
  } catch (error) {
    return { error: (error as Error).name };
  }
}

function piecewise(bytes: Buffer, pieceBytes: number): { value: unknown } | { error: string } {
  try {
    return { value: parseJsonBytes(bytes, pieceBytes) };
  } catch (error) {
    return { error: (error as Error).name };
  }
}

/** JSON text with random whitespace between tokens, as a server may format it. */
const spacedJson = fc
  .tuple(fc.jsonValue(), fc.constantFrom('', ' ', '\n', '\t', '\r\n  '))
  .map(([value, space]) => {
    const text = JSON.stringify(value, null, space.length > 0 ? space : undefined) ?? 'null';
    return `${space}${text}${space}`;
  });

describe('parseJsonBytes', () => {
  it('parses a page of messages as JSON.parse does, member by member', () => {
    const messages = Array.from({ length: 2000 }, (_, index) => ({
      id: `msg-${index}`,
      created: 1_700_000_000 + index,
      subject: index % 7 === 0 ? 'Grüße — "quoted" \\ 🎉' : 'Hello',
      metrics: { sent: index, opened: index % 3 === 0 ? null : index },
      tags: ['a', 'b'],
    }));
    const bytes = Buffer.from(JSON.stringify({ messages, next: 'abc' }));
    expect(bytes.length).toBeGreaterThan(PIECE_BYTES);
    expect(parseJsonBytes(bytes)).toEqual({ messages, next: 'abc' });
    // The member-by-member path itself, not the whole-body fallback, parsed it.
    expect(parsePiecewise(bytes, PIECE_BYTES)).toEqual({ messages, next: 'abc' });
  });

  it('parses any valid object or array member by member, without falling back', () => {
    // Scalars stay under 128 bytes (fast-check's short strings, escaped), so none is too long to split.
    const containers = spacedJson.filter((text) => /^\s*[[{]/.test(text));
    fc.assert(
      fc.property(containers, fc.integer({ min: 128, max: 512 }), (text, pieceBytes) => {
        expect(parsePiecewise(Buffer.from(text), pieceBytes)).toEqual(JSON.parse(text));
      }),
      { numRuns: 500 },
    );
  });

  it('gives the same value or the same kind of error as JSON.parse, for any JSON and any piece size', () => {
    fc.assert(
      fc.property(spacedJson, fc.integer({ min: 1, max: 64 }), (text, pieceBytes) => {
        const bytes = Buffer.from(text);
        expect(piecewise(bytes, pieceBytes)).toEqual(reference(bytes));
      }),
      { numRuns: 500 },
    );
  });

  it('fails exactly as JSON.parse does on truncated, corrupted or padded bodies', () => {
    const damaged = fc
      .tuple(
        spacedJson,
        fc.nat(),
        fc.constantFrom('cut', 'flip', 'insert', 'trail'),
        fc.constantFrom(',', ']', '}', '"', ':', 'x', '\\', '0'),
      )
      .map(([text, at, damage, char]) => {
        const cut = text.length === 0 ? 0 : at % text.length;
        if (damage === 'cut') return text.slice(0, cut);
        if (damage === 'flip') return `${text.slice(0, cut)}${char}${text.slice(cut + 1)}`;
        if (damage === 'insert') return `${text.slice(0, cut)}${char}${text.slice(cut)}`;
        return `${text}${char}`;
      });
    fc.assert(
      fc.property(damaged, fc.integer({ min: 1, max: 32 }), (text, pieceBytes) => {
        const bytes = Buffer.from(text);
        expect(piecewise(bytes, pieceBytes)).toEqual(reference(bytes));
      }),
      { numRuns: 1000 },
    );
  });

  it('keeps "__proto__" as an own property, as JSON.parse does', () => {
    const bytes = Buffer.from('{"__proto__": {"polluted": true}, "rows": [1, 2, 3]}');
    const parsed = parseJsonBytes(bytes, 4) as Record<string, unknown>;
    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
    expect(Object.keys(parsed)).toEqual(['__proto__', 'rows']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('decodes invalid UTF-8 and split multi-byte characters as toString does', () => {
    const bytes = Buffer.concat([
      Buffer.from('{"a": ["Grüße", "'),
      Buffer.from([0xff, 0xc3]),
      Buffer.from('", "🎉"], "b": "x"}'),
    ]);
    expect(piecewise(bytes, 3)).toEqual(reference(bytes));
  });

  it('hands deep nesting to JSON.parse instead of overflowing the stack', () => {
    const depth = 200_000;
    const bytes = Buffer.from(`${'['.repeat(depth)}1${']'.repeat(depth)}`);
    let value = parseJsonBytes(bytes, 8);
    let levels = 0;
    while (Array.isArray(value) && value.length === 1) {
      value = value[0];
      levels++;
    }
    expect([levels, value]).toEqual([depth, 1]);
  });
});
