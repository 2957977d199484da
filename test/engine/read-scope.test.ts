import { describe, expect, it } from 'vitest';
import { askedNewestFirst, type ReadScope, readScope } from '../../src/engine/read-scope.js';
import { getDefinition } from '../../src/streams/definitions.js';

/** The rule that picks a complete or a partial read, on its own (pure). */
const NOW = new Date('2026-03-10T12:00:00Z');
const days = (n: number) => new Date(NOW.getTime() - n * 86_400_000).toISOString();
const policy = { fullRefreshDays: 7, settings: { messages_rescan_days: 7, customers_refresh: 'changes' } };
const scope = (
  name: string,
  bookmark: object,
  extra: { forced?: boolean; allowed?: boolean; parent?: ReadScope } = {},
) =>
  readScope({
    definition: getDefinition(name),
    bookmark,
    policy,
    allowed: extra.allowed ?? true,
    forced: extra.forced ?? false,
    now: NOW,
    ...(extra.parent ? { parent: extra.parent } : {}),
  });

describe('readScope', () => {
  describe('of a table read per parent', () => {
    const since = new Date('2026-03-03T00:00:00Z');
    const partialParent: ReadScope = { kind: 'partial', since, partial: { kind: 'head', overlapSeconds: 0 } };
    const completeParent: ReadScope = { kind: 'complete', reason: 'x' };
    const child = { last_full_read_at: days(2), last_read: 'complete' };
    const resumedPartial = { ...child, resume: { read_started_at: days(1), position: null, since: days(9) } };
    const resumedComplete = { ...child, resume: { read_started_at: days(1), position: null } };

    it('reads partially, from its parent instant, only while its parent read partially', () => {
      expect(getDefinition('newsletter_contents').partialRead).toEqual({ kind: 'parents' });
      expect(getDefinition('campaign_actions').partialRead).toBeUndefined();
      expect(getDefinition('newsletter_metrics').partialRead).toBeUndefined();
      expect(scope('newsletter_contents', child, { parent: partialParent })).toEqual({
        kind: 'partial',
        since,
        partial: { kind: 'parents' },
      });
      expect(scope('newsletter_contents', child, { parent: completeParent }).kind).toBe('complete');
      expect(scope('newsletter_contents', child).kind).toBe('complete');
    });

    it('reads completely when forced, not allowed, never complete yet or due', () => {
      const parent = partialParent;
      expect(scope('newsletter_test_groups', child, { parent, forced: true }).kind).toBe('complete');
      expect(scope('newsletter_test_groups', child, { parent, allowed: false }).kind).toBe('complete');
      expect(scope('newsletter_test_groups', {}, { parent })).toMatchObject({
        reason: 'no complete read yet',
      });
      expect(scope('newsletter_test_groups', { last_full_read_at: days(8) }, { parent }).kind).toBe(
        'complete',
      );
    });

    it('goes on with an interrupted partial read only behind a partial parent read; a complete one goes on anyway', () => {
      expect(scope('newsletter_contents', resumedPartial, { parent: partialParent }).kind).toBe('partial');
      expect(scope('newsletter_contents', resumedPartial, { parent: completeParent }).kind).toBe('complete');
      expect(scope('newsletter_contents', resumedPartial).kind).toBe('complete');
      expect(scope('newsletter_contents', resumedComplete, { parent: partialParent })).toMatchObject({
        kind: 'complete',
        reason: 'continuing an interrupted complete read',
      });
    });
  });

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
