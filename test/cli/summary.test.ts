import { describe, expect, it } from 'vitest';
import { formatSummary } from '../../src/cli/summary.js';
import { CioError } from '../../src/core/errors.js';
import type { SyncResult } from '../../src/engine/sync.js';

function result(overrides: Partial<SyncResult> = {}): SyncResult {
  return {
    runId: 'run',
    status: 'succeeded',
    startedAt: new Date('2026-01-01T00:00:00Z'),
    finishedAt: new Date('2026-01-01T00:01:05Z'),
    requests: 66,
    rateLimited: 2,
    streams: {
      messages: { status: 'complete', rows: 4700, written: 4700, inTable: 4700, requests: 5 },
      broadcasts: { status: 'complete', rows: 1, written: 0, inTable: 12, requests: 1 },
      customers: { status: 'complete', rows: 58, written: 58, requests: 59, resumed: true },
    },
    ...overrides,
  };
}

describe('the summary', () => {
  it('names its columns and lines up a row per table, by name', () => {
    const lines = formatSummary(result()).split('\n');
    expect(lines[0]).toMatch(/^table\s+status\s+read\s+written\s+in table\s+requests$/);
    expect(lines[1]).toMatch(/^broadcasts\s+complete\s+1\s+0\s+12\s+1$/);
    // A sink that could not count shows "-"; a resumed table says so.
    expect(lines[2]).toMatch(/^customers\s+complete \(resumed\)\s+58\s+58\s+-\s+59$/);
    expect(lines[3]).toMatch(/^messages\s+complete\s+4,700\s+4,700\s+4,700\s+5$/);
    // Numbers are right-aligned: every row ends at the same column.
    expect(new Set(lines.slice(0, 4).map((line) => line.length)).size).toBe(1);
  });

  it('labels the key check and says what the total counts', () => {
    const text = formatSummary(result());
    expect(text).toMatch(/^\(key check\)\s+1$/m);
    expect(text).toContain(
      '3 tables: 4,759 rows read, 4,758 written, 66 requests (65 table reads + 1 key check), 2 rate-limited\nsucceeded in 65.0 s',
    );
  });

  it('says a run was interrupted, with the rows committed', () => {
    const text = formatSummary(
      result({
        status: 'failed',
        error: new CioError('CIO_ERR_INTERRUPTED', 'interrupted'),
        streams: {
          customers: { status: 'incomplete', rows: 1000, written: 1000, inTable: 1000, requests: 11 },
        },
        requests: 12,
      }),
    );
    expect(text).toMatch(/^customers\s+incomplete\s+1,000\s+1,000\s+1,000\s+11$/m);
    expect(text).toMatch(
      /^interrupted after 65\.0 s: the rows written are committed; run the sync again to resume$/m,
    );
  });

  it('notes rejected records only when there are some', () => {
    expect(formatSummary(result())).not.toMatch(/rejected/);
    const streams = { types: { status: 'complete' as const, rows: 3, written: 2, rejected: 1, requests: 1 } };
    expect(formatSummary(result({ streams, requests: 2 }))).toMatch(
      /^1 table: 3 rows read, 2 written, 1 rejected records, 2 requests/m,
    );
  });
});
