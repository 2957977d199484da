/** The metrics reader against a scripted API: the API's clock, odd lengths, young parents, 404s. */
import { describe, expect, it } from 'vitest';
import type { ApiClient, ApiRequest, RequestOptions } from '../../src/api/types.js';
import { CioError } from '../../src/core/errors.js';
import { getDefinition } from '../../src/streams/definitions.js';
import { readMetrics } from '../../src/streams/readers/metrics.js';
import type { ReadContext, Row } from '../../src/streams/types.js';
import { asWritten } from './helpers/as-written.js';
import { collectPages } from './helpers/collect.js';

const DATE = 'Thu, 15 Jan 2026 12:00:00 GMT';
const DAY = 86_400;
const NOW = Date.parse(DATE) / 1000;

/** Broadcast 1 is old, 2 was created yesterday (Eastern), 3 is gone by the time its metrics are asked. */
function scriptedClient(length: number, requests: ApiRequest[]): ApiClient {
  return {
    stats: { requests: 0, rateLimited: 0, retried: 0, byStream: {} },
    close: async () => {},
    async request(req: ApiRequest, opts?: RequestOptions) {
      requests.push(req);
      opts?.onDate?.(DATE);
      if (req.path === '/v1/broadcasts') {
        return {
          broadcasts: [
            { id: 1, created: NOW - 400 * DAY },
            { id: 2, created: NOW - DAY },
            { id: 3, created: NOW - 400 * DAY },
          ],
        };
      }
      if (req.path === '/v1/broadcasts/3/metrics')
        throw new CioError('CIO_ERR_NOT_FOUND', 'gone', { status: 404 });
      const values = Array.from({ length }, (_, i) => i + 1);
      return { metric: { series: { sent: values, opened: values.map(() => 0) } } };
    },
  };
}

async function read(length: number, extra: Partial<ReadContext> = {}) {
  const requests: ApiRequest[] = [];
  const warnings: string[] = [];
  const pages = await collectPages(
    readMetrics(getDefinition('broadcast_metrics'), {
      client: scriptedClient(length, requests),
      concurrency: 2,
      onWarning: (m) => warnings.push(m),
      ...extra,
    }),
  );
  const rows = asWritten(pages.flatMap((p) => p.rows)) as Row[];
  return { pages, rows, requests, warnings };
}

describe('version-1 metrics', () => {
  it('asks for 45 days and dates them from the Date header, the last one today (Eastern)', async () => {
    const { rows, requests, warnings, pages } = await read(45);
    expect(requests.filter((r) => r.path.endsWith('/metrics')).map((r) => r.query)).toEqual([
      { period: 'days', steps: 45 },
      { period: 'days', steps: 45 },
      { period: 'days', steps: 45 },
    ]);
    const old = rows.filter((r) => r.broadcast_id === 1);
    expect(old).toHaveLength(45);
    expect(old.at(-1)).toMatchObject({ period_start: '2026-01-15T05:00:00Z', sent: 45, opened: 0 });
    expect(old[0]).toMatchObject({ period_start: '2025-12-02T05:00:00Z', sent: 1 });
    expect(old.every((r) => r.fetched_at === '2026-01-15T12:00:00Z')).toBe(true);
    // Created yesterday: yesterday and today only.
    expect(rows.filter((r) => r.broadcast_id === 2).map((r) => r.period_start)).toEqual([
      '2026-01-14T05:00:00Z',
      '2026-01-15T05:00:00Z',
    ]);
    expect(warnings).toEqual([expect.stringContaining('broadcasts 3 no longer exists (404)')]);
    expect(pages.at(-1)?.covered).toEqual({
      column: 'period_start',
      from: new Date('2025-12-02T05:00:00Z'),
      groupColumn: 'broadcast_id',
    });
  });

  it('aligns an answer of N+1 days from the end and says so once', async () => {
    const { rows, warnings } = await read(46, { metricsWindowDays: 60 });
    const old = rows.filter((r) => r.broadcast_id === 1);
    expect(old).toHaveLength(46);
    expect(old.at(-1)).toMatchObject({ period_start: '2026-01-15T05:00:00Z', sent: 46 });
    expect(warnings.filter((w) => w.includes('46 days'))).toHaveLength(1);
  });

  it('keeps only the trailing window it was told to re-read', async () => {
    const { rows, pages } = await read(45, { metricsWindowDays: 3 });
    expect(rows.filter((r) => r.broadcast_id === 1)).toHaveLength(3);
    expect(pages.at(-1)?.covered?.from).toEqual(new Date('2026-01-13T05:00:00Z'));
  });
});

describe('version-2 metrics', () => {
  async function readV2(completedBefore: boolean, startDate?: Date) {
    const requests: ApiRequest[] = [];
    const client: ApiClient = {
      stats: { requests: 0, rateLimited: 0, retried: 0, byStream: {} },
      close: async () => {},
      async request(req: ApiRequest, opts?: RequestOptions) {
        requests.push(req);
        opts?.onDate?.(DATE);
        if (req.path === '/v1/campaigns') return { campaigns: [{ id: 7, created: NOW - 100 * DAY }] };
        const q = req.query as { start: number; end: number };
        const days = Math.floor((q.end - q.start) / DAY) + 1;
        return { metric: { series: { sent: Array.from({ length: days }, (_, i) => i) } } };
      },
    };
    const pages = await collectPages(
      readMetrics(getDefinition('campaign_metrics'), {
        client,
        concurrency: 1,
        completedBefore,
        ...(startDate ? { startDate } : {}),
      }),
    );
    return { rows: asWritten(pages.flatMap((p) => p.rows)) as Row[], requests };
  }

  it('backfills from the created day to today in one window on a first sync', async () => {
    const { rows, requests } = await readV2(false);
    const today = Math.floor(NOW / DAY) * DAY;
    expect(requests[1]?.query).toEqual({
      version: 2,
      res: 'days',
      tz: 'UTC',
      start: today - 100 * DAY,
      end: today + DAY - 1,
    });
    expect(rows).toHaveLength(101);
    expect(rows.at(-1)).toMatchObject({ campaign_id: 7, period_start: '2026-01-15T00:00:00Z', sent: 100 });
  });

  it('re-reads the trailing 45 days afterwards', async () => {
    const { rows, requests } = await readV2(true);
    expect(requests[1]?.query?.start).toBe(Math.floor(NOW / DAY) * DAY - 44 * DAY);
    expect(rows).toHaveLength(45);
  });

  it('backfills from the start date when it is later than the created day', async () => {
    const { rows } = await readV2(false, new Date('2026-01-10T15:00:00Z'));
    expect(rows[0]).toMatchObject({ period_start: '2026-01-10T00:00:00Z' });
    expect(rows).toHaveLength(6);
  });
});
