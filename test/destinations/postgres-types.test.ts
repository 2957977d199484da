import { describe, expect, it } from 'vitest';
import { parsePostgresUrl, redact } from '../../src/destinations/postgres/postgres-target.js';
import { copyEncoders, copyLine } from '../../src/destinations/postgres/postgres-types.js';

describe('COPY text encoding', () => {
  it('escapes the characters COPY treats specially and writes \\N for null', () => {
    const encoders = [copyEncoders.text, copyEncoders.json, copyEncoders.bigint, copyEncoders.boolean];
    expect(copyLine(['a\tb\nc\rd\\e \\N', '{"k":"v\\n"}', 12n, false], encoders)).toBe(
      'a\\tb\\nc\\rd\\\\e \\\\N\t{"k":"v\\\\n"}\t12\tf\n',
    );
    expect(copyLine([null, null, null, true], encoders)).toBe('\\N\t\\N\t\\N\tt\n');
  });

  it('replaces the escapes jsonb refuses (NUL, a lone surrogate) and keeps valid pairs and escaped backslashes', () => {
    const json = JSON.stringify({
      nul: 'a\u0000b',
      lone: 'c\udc00d',
      'k\ud800': 1,
      pair: '\u{1F600}',
      text: '\\u0000',
    });
    // COPY text doubles every backslash; undone here to read the JSON back.
    const copied = copyEncoders.json(json).replaceAll('\\\\', '\\');
    expect(JSON.parse(copied)).toEqual({
      nul: 'a\ufffdb',
      lone: 'c\ufffdd',
      'k\ufffd': 1,
      pair: '\u{1F600}',
      text: '\\u0000',
    });
  });

  it('writes timestamps as UTC with microseconds', () => {
    expect(copyEncoders.timestamptz(1704164645123456n)).toBe('2024-01-02T03:04:05.123456Z');
    expect(copyEncoders.double(-1.5e-7)).toBe('-1.5e-7');
  });
});

describe('parsePostgresUrl', () => {
  it('names host:port/database and keeps the password only for redaction', () => {
    const target = parsePostgresUrl(
      'postgresql://sync%40corp:p%40ss%2Fword@db.example.com:6543/ware%20house',
    );
    expect(target).toMatchObject({
      user: 'sync@corp',
      label: 'db.example.com:6543/ware house',
      password: 'p@ss/word',
    });
    expect(redact('failed for p@ss/word and p%40ss%2Fword', target)).toBe('failed for *** and ***');
  });

  it('defaults the port and the database', () => {
    expect(parsePostgresUrl('postgres://me@localhost').label).toBe('localhost:5432/me');
  });

  it.each(['mysql://u@h/db', 'nonsense'])('rejects %s with a config error', (url) => {
    expect(() => parsePostgresUrl(url)).toThrow(expect.objectContaining({ code: 'CIO_ERR_CONFIG' }));
  });
});
