import { describe, expect, it } from 'vitest';
import { askedNewestFirst, readScope } from '../../src/engine/read-scope.js';
import { getDefinition } from '../../src/streams/definitions.js';

/** The rule that picks a complete or a partial read, on its own (pure). */
const NOW = new Date('2026-03-10T12:00:00Z');
const days = (n: number) => new Date(NOW.getTime() - n * 86_400_000).toISOString();
const policy = { fullRefreshDays: 7, settings: { messages_rescan_days: 7, customers_refresh: 'changes' } };
const scope = (name: string, bookmark: object, extra: { forced?: boolean; allowed?: boolean } = {}) =>
  readScope({
    definition: getDefinition(name),
    bookmark,
    policy,
    allowed: extra.allowed ?? true,
    forced: extra.forced ?? false,
    now: NOW,
  });

describe('readScope', () => {
  const messages = { last_full_read_at: days(2), newest_time: '2026-03-10T00:00:00Z' };

  it('reads messages from the newest loaded minus the rescan window, while the last complete read is recent', () => {
    const s = scope('messages', messages);
    expect(s.kind).toBe('partial');
    expect(s.kind === 'partial' && s.since.toISOString()).toBe('2026-03-03T00:00:00.000Z');
  });

  it('reads completely every full_refresh_days, when forced, when nothing is loaded, or where not allowed', () => {
    expect(scope('messages', { ...messages, last_full_read_at: days(7) })).toMatchObject({
      kind: 'complete',
    });
    expect(scope('messages', messages, { forced: true })).toEqual({
      kind: 'complete',
      reason: '--full-refresh',
    });
    expect(scope('messages', { last_full_read_at: days(1) })).toMatchObject({ kind: 'complete' });
    expect(scope('messages', {})).toEqual({ kind: 'complete', reason: 'no complete read yet' });
    expect(scope('messages', messages, { allowed: false })).toMatchObject({ kind: 'complete' });
    expect(scope('campaigns', messages)).toMatchObject({ kind: 'complete' });
  });

  it('stops activities an overlap before the newest loaded', () => {
    const s = scope('activities', messages);
    expect(s.kind === 'partial' && s.since.toISOString()).toBe('2026-03-09T23:00:00.000Z');
  });

  it('reads the newsletters head down to the newest created loaded minus messages_rescan_days, asking newest first', () => {
    const s = scope('newsletters', messages);
    expect(s.kind === 'partial' && s.since.toISOString()).toBe('2026-03-03T00:00:00.000Z');
    expect(askedNewestFirst(s)).toEqual({ query: { sort: 'desc' }, field: 'created' });
    expect(askedNewestFirst(scope('newsletters', {}))).toBeUndefined();
  });

  it('follows the change feed of customers only while the last read is within its retention', () => {
    const recent = { last_full_read_at: days(3), last_read_started_at: days(1), newest_time: days(1) };
    expect(scope('customers', recent).kind).toBe('partial');
    const stale = { ...recent, last_full_read_at: days(3), last_read_started_at: days(29) };
    expect(scope('customers', stale)).toMatchObject({ kind: 'complete' });
    const full = { fullRefreshDays: 7, settings: { customers_refresh: 'full' } };
    const input = {
      definition: getDefinition('customers'),
      bookmark: recent,
      allowed: true,
      forced: false,
      now: NOW,
    };
    expect(readScope({ ...input, policy: full })).toMatchObject({ kind: 'complete' });
  });

  it('keeps the scope of an interrupted read', () => {
    const resume = { read_started_at: days(0), position: { cursor: 'x' }, since: '2026-03-01T00:00:00Z' };
    expect(scope('messages', { resume }, { forced: true })).toMatchObject({ kind: 'partial' });
    const { since: _, ...complete } = resume;
    expect(scope('messages', { ...messages, resume: complete })).toMatchObject({ kind: 'complete' });
  });
});
