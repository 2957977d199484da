import { describe, expect, it } from 'vitest';
import type { LogicalType } from '../../../src/destinations/sql/column-types.js';
import { hashedIdentifier, type IdentifierRules } from '../../../src/destinations/sql/identifier-names.js';
import {
  adoptColumns,
  emptyLayout,
  layoutFromCatalog,
  OVERFLOW_COLUMN,
  planColumns,
  planRawColumns,
  planValueColumns,
  withColumns,
} from '../../../src/destinations/sql/table-layout.js';

const DUCKDB: IdentifierRules = { maxBytes: Number.POSITIVE_INFINITY, caseInsensitive: true };
const POSTGRES: IdentifierRules = { maxBytes: 63, caseInsensitive: false };

describe('planValueColumns', () => {
  it('gives the lower-case name the plain column whatever the arrival order (DuckDB)', () => {
    const layout = emptyLayout('t', DUCKDB);
    for (const order of [
      ['Email', 'email', 'EMAIL'],
      ['EMAIL', 'email', 'Email'],
    ]) {
      const planned = planValueColumns(layout, new Map(order.map((field) => [field, 'text'])), DUCKDB);
      const byField = Object.fromEntries(planned.map((info) => [info.field, info.column]));
      expect(byField).toEqual({
        email: 'email',
        Email: hashedIdentifier('Email', DUCKDB, 0),
        EMAIL: hashedIdentifier('EMAIL', DUCKDB, 0),
      });
      expect(planned.map((info) => info.field)).toEqual(order);
    }
  });

  it('keeps case-only differences as they are in PostgreSQL', () => {
    const planned = planValueColumns(
      emptyLayout('t', POSTGRES),
      new Map([
        ['Email', 'text'],
        ['email', 'text'],
      ]),
      POSTGRES,
    );
    expect(planned.map((info) => info.column)).toEqual(['Email', 'email']);
  });

  it('never hands out the metadata column names, nor re-plans known fields', () => {
    const layout = emptyLayout('t', DUCKDB);
    const planned = planValueColumns(
      layout,
      new Map([
        ['_CIO_SYNCED_AT', 'text'],
        ['_cio_deleted_at', 'text'],
      ]),
      DUCKDB,
    );
    expect(planned).toEqual([
      {
        field: '_CIO_SYNCED_AT',
        role: 'value',
        column: hashedIdentifier('_CIO_SYNCED_AT', DUCKDB, 0),
        type: 'text',
      },
    ]);
    expect(
      planValueColumns(withColumns(layout, planned, DUCKDB), new Map([['_CIO_SYNCED_AT', 'json']]), DUCKDB),
    ).toEqual([]);
  });
});

describe('planRawColumns', () => {
  it('names raw columns <column>__raw, stepping around a real field of that name', () => {
    let layout = emptyLayout('t', POSTGRES);
    layout = withColumns(
      layout,
      planValueColumns(
        layout,
        new Map([
          ['a', 'bigint'],
          ['a__raw', 'text'],
        ]),
        POSTGRES,
      ),
      POSTGRES,
    );
    const raws = planRawColumns(layout, ['a', 'a', 'a__raw', 'unknown'], POSTGRES);
    expect(raws).toEqual([
      { field: 'a', role: 'raw', column: hashedIdentifier('a__raw', POSTGRES, 0), type: 'json' },
      { field: 'a__raw', role: 'raw', column: 'a__raw__raw', type: 'json' },
    ]);
  });
});

describe('layoutFromCatalog', () => {
  it('follows table order, forgets columns dropped by hand and counts unmapped columns as taken', () => {
    const layout = layoutFromCatalog(
      't',
      ['id', 'user_col', 'name'].map((column) => ({ column, type: undefined })),
      [
        { field: 'name', role: 'value', column: 'name', type: 'text' },
        { field: 'id', role: 'value', column: 'id', type: 'bigint' },
        { field: 'gone', role: 'value', column: 'gone', type: 'text' },
      ],
      POSTGRES,
    );
    expect([...layout.values.keys()]).toEqual(['id', 'name']);
    const planned = planValueColumns(
      layout,
      new Map([
        ['user_col', 'text'],
        ['gone', 'text'],
      ]),
      POSTGRES,
    );
    expect(planned.map((info) => info.column)).toEqual([hashedIdentifier('user_col', POSTGRES, 0), 'gone']);
  });
});

describe('adoptColumns', () => {
  const catalog = [
    { column: 'id', type: 'bigint' as const },
    { column: 'name', type: 'text' as const },
    { column: 'name__raw', type: 'json' as const },
    { column: hashedIdentifier('x'.repeat(70), POSTGRES, 0), type: undefined },
  ];

  it('rebuilds a lost map from the columns named as the fields fit, with their raw columns', () => {
    const layout = layoutFromCatalog('t', catalog, [], POSTGRES);
    const wanted = new Map<string, LogicalType>([
      ['id', 'text'],
      ['name', 'text'],
      ['x'.repeat(70), 'double'],
      ['new_field', 'text'],
    ]);
    expect(adoptColumns(layout, wanted, POSTGRES)).toEqual([
      { field: 'id', role: 'value', column: 'id', type: 'bigint' },
      { field: 'name', role: 'value', column: 'name', type: 'text' },
      {
        field: 'x'.repeat(70),
        role: 'value',
        column: hashedIdentifier('x'.repeat(70), POSTGRES, 0),
        type: 'double',
      },
      { field: 'name', role: 'raw', column: 'name__raw', type: 'json' },
    ]);
  });

  it('replaces an entry pointing at a missing column, and leaves claimed columns alone', () => {
    const layout = layoutFromCatalog(
      't',
      catalog,
      [
        { field: 'id', role: 'value', column: 'id', type: 'bigint' },
        { field: 'name', role: 'value', column: 'missing', type: 'text' },
      ],
      POSTGRES,
    );
    const adopted = adoptColumns(
      layout,
      new Map([
        ['id', 'bigint'],
        ['name', 'text'],
      ]),
      POSTGRES,
    );
    expect(adopted.map((info) => `${info.field}:${info.role}:${info.column}`)).toEqual([
      'name:value:name',
      'name:raw:name__raw',
    ]);
  });
});

describe('planColumns', () => {
  const ints = (count: number, prefix = 'f') =>
    new Map(Array.from({ length: count }, (_, index) => [`${prefix}${index}`, 'bigint' as const]));

  it('adds every column while there is room, and no overflow column', () => {
    const added = planColumns(emptyLayout('t', POSTGRES), ints(5), [], POSTGRES, 10);
    expect(added.map((info) => info.column)).toEqual(['f0', 'f1', 'f2', 'f3', 'f4']);
  });

  it('at the limit keeps the first fields wanted and adds the overflow column, keeping one free for it', () => {
    // 10 columns: 2 metadata, 7 fields, the overflow column.
    const added = planColumns(emptyLayout('t', POSTGRES), ints(9), [], POSTGRES, 10);
    expect(added.map((info) => [info.column, info.role])).toEqual([
      ...Array.from({ length: 7 }, (_, index) => [`f${index}`, 'value']),
      [OVERFLOW_COLUMN, 'overflow'],
    ]);
  });

  it('once the overflow column exists, adds nothing more: neither values nor __raw columns', () => {
    const full = withColumns(
      emptyLayout('t', POSTGRES),
      planColumns(emptyLayout('t', POSTGRES), ints(9), [], POSTGRES, 10),
      POSTGRES,
    );
    expect(full.overflow?.column).toBe(OVERFLOW_COLUMN);
    expect(planColumns(full, ints(12), ['f0'], POSTGRES, 10)).toEqual([]);
  });
});
