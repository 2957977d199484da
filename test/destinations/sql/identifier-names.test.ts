import { describe, expect, it } from 'vitest';
import {
  assignIdentifier,
  fitIdentifier,
  hashedIdentifier,
  type IdentifierRules,
} from '../../../src/destinations/sql/identifier-names.js';
import { quoteIdentifier } from '../../../src/destinations/sql/quote-identifier.js';

const POSTGRES: IdentifierRules = { maxBytes: 63, caseInsensitive: false };
const DUCKDB: IdentifierRules = { maxBytes: Number.POSITIVE_INFINITY, caseInsensitive: true };

describe('quoteIdentifier', () => {
  it.each([
    ['plain', '"plain"'],
    ['we"ird', '"we""ird"'],
    ['"; DROP TABLE x; --', '"""; DROP TABLE x; --"'],
    ['', '""'],
  ])('%s -> %s', (name, quoted) => {
    expect(quoteIdentifier(name)).toBe(quoted);
  });
});

describe('fitIdentifier', () => {
  it('keeps names the engine accepts', () => {
    expect(fitIdentifier('x'.repeat(63), POSTGRES)).toBe('x'.repeat(63));
    expect(fitIdentifier('x'.repeat(500), DUCKDB)).toBe('x'.repeat(500));
  });

  it('shortens long names to a prefix plus a hash of the full name, within the byte limit', () => {
    const a = fitIdentifier(`${'x'.repeat(99)}a`, POSTGRES);
    const b = fitIdentifier(`${'x'.repeat(99)}b`, POSTGRES);
    expect(a).toMatch(/^x{54}_[0-9a-f]{8}$/);
    expect(a).not.toBe(b);
    expect(fitIdentifier(`${'x'.repeat(99)}a`, POSTGRES)).toBe(a);
  });

  it('never splits a multi-byte character', () => {
    const fitted = fitIdentifier('é'.repeat(40), POSTGRES);
    expect(Buffer.byteLength(fitted)).toBeLessThanOrEqual(63);
    expect(fitted).toMatch(/^é{27}_[0-9a-f]{8}$/);
    expect(Buffer.from(fitted, 'utf8').toString('utf8')).toBe(fitted);
  });

  it('gives empty and NUL-containing names a usable hashed name', () => {
    expect(fitIdentifier('', POSTGRES)).toMatch(/^_[0-9a-f]{8}$/);
    expect(fitIdentifier('a\u0000b', POSTGRES)).toMatch(/^ab_[0-9a-f]{8}$/);
  });
});

describe('assignIdentifier', () => {
  it('steps past taken names, comparing as the engine does', () => {
    expect(assignIdentifier('Email', new Set(['email']), DUCKDB)).toBe(hashedIdentifier('Email', DUCKDB, 0));
    expect(assignIdentifier('Email', new Set(['email']), POSTGRES)).toBe('Email');
  });

  it('tries further hashes when even the hashed name is taken', () => {
    const first = hashedIdentifier('name', POSTGRES, 0);
    expect(assignIdentifier('name', new Set(['name', first]), POSTGRES)).toBe(
      hashedIdentifier('name', POSTGRES, 1),
    );
  });
});
