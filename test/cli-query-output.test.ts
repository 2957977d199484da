import { describe, expect, it } from 'vitest';
import { demoHint } from '../src/cli/commands/demo.js';
import { describeReset } from '../src/cli/commands/state.js';
import { formatQueryResult, jsonValue } from '../src/cli/query-output.js';

const result = {
  columns: ['id', 'name', 'tags', 'created'],
  rows: [
    [1n, 'Welcome, "new" people', ['a', 'b'], new Date('2024-01-02T03:04:05Z')],
    [12345, null, null, null],
  ],
};

describe('cio-sync query output', () => {
  it('aligns a table: numbers to the right, NULL spelled out, then the row count', () => {
    expect(formatQueryResult(result, 'table')).toBe(
      [
        '   id | name                  | tags      | created',
        '------+-----------------------+-----------+-------------------------',
        '    1 | Welcome, "new" people | ["a","b"] | 2024-01-02T03:04:05.000Z',
        '12345 | NULL                  | NULL      | NULL',
        '(2 rows)',
        '',
      ].join('\n'),
    );
  });

  it('cuts a long cell and flattens line breaks in the table, never in json or csv', () => {
    const long = { columns: ['body'], rows: [[`${'x'.repeat(70)}\nend`]] };
    const table = formatQueryResult(long, 'table');
    expect(table.split('\n')[2]).toBe(`${'x'.repeat(57)}...`);
    expect(formatQueryResult(long, 'csv')).toBe(`body\r\n"${'x'.repeat(70)}\nend"\r\n`);
    expect(JSON.parse(formatQueryResult(long, 'json'))).toEqual([{ body: `${'x'.repeat(70)}\nend` }]);
  });

  it('writes CSV as RFC 4180 (quotes doubled, NULL empty) and JSON as an array of objects', () => {
    expect(formatQueryResult(result, 'csv')).toBe(
      'id,name,tags,created\r\n1,"Welcome, ""new"" people","[""a"",""b""]",2024-01-02T03:04:05.000Z\r\n12345,,,\r\n',
    );
    expect(JSON.parse(formatQueryResult(result, 'json'))).toEqual([
      { id: 1, name: 'Welcome, "new" people', tags: ['a', 'b'], created: '2024-01-02T03:04:05.000Z' },
      { id: 12345, name: null, tags: null, created: null },
    ]);
  });

  it('keeps every digit of an integer beyond 2^53', () => {
    expect(jsonValue(9007199254740993n)).toBe('9007199254740993');
    expect(jsonValue(-42n)).toBe(-42);
    expect(jsonValue(new Uint8Array([0, 255]))).toBe('\\x00ff');
    expect(formatQueryResult({ columns: ['n'], rows: [] }, 'table')).toBe('n\n-\n(0 rows)\n');
  });
});

describe('what the commands say', () => {
  it('ends the demo with a query a user can paste, quoted for the shell', () => {
    expect(demoHint('customerio-demo.duckdb')).toBe(
      'Loaded into customerio-demo.duckdb. Try: npx cio-sync query -d duckdb:customerio-demo.duckdb "select count(*) from messages"',
    );
    expect(demoHint("my file's.duckdb")).toContain(`-d 'duckdb:my file'\\''s.duckdb' "select`);
  });

  it('says which bookmarks a reset forgot, and which it had none for', () => {
    expect(describeReset(['campaigns'], ['campaigns', 'topics'])).toBe(
      'Reset the bookmarks of campaigns: the next sync reads it as a first sync would (no bookmark saved for topics).',
    );
    expect(describeReset([], undefined)).toBe('No bookmark was reset.');
  });
});
