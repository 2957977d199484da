import { describe, expect, it } from 'vitest';
import { NewestFirstCheck } from '../../src/engine/newest-first.js';

/** The order check of a list asked for newest first, on its own (pure). */
const rows = (...seconds: (number | null)[]) => seconds.map((created) => ({ created }));
const SINCE = 1000 * 1000;

describe('NewestFirstCheck', () => {
  it('ends the read at a page wholly before the window, once the pages came newest first', () => {
    const check = new NewestFirstCheck('created');
    check.note(rows(3000, 2000, 1500));
    expect(check.order).toBe('descending');
    expect(check.endsAt(rows(1500, 900), SINCE)).toBe(false);
    check.note(rows(900, 800));
    expect(check.endsAt(rows(900, 800), SINCE)).toBe(true);
  });

  it('never ends early without a record older than the one before it, nor after one newer', () => {
    const flat = new NewestFirstCheck('created');
    flat.note(rows(500, 500));
    expect(flat.order).toBeUndefined();
    expect(flat.endsAt(rows(500, 500), SINCE)).toBe(false);
    const ascending = new NewestFirstCheck('created');
    expect(ascending.note(rows(100, 200))).toBe(true);
    expect(ascending.note(rows(300))).toBe(false);
    expect(ascending.endsAt(rows(300), SINCE)).toBe(false);
    // Newest first within each page, but the second page is newer than the first.
    const pages = new NewestFirstCheck('created');
    pages.note(rows(400, 300));
    pages.note(rows(600, 500));
    expect(pages.order).toBe('not descending');
    expect(new NewestFirstCheck('created').endsAt(rows(900, null), SINCE)).toBe(false);
  });

  it('goes on judging from the resume point of an interrupted read', () => {
    const resumed = new NewestFirstCheck('created', {
      read_started_at: '2026-01-01T00:00:00Z',
      position: null,
      order: 'descending',
      min_time: '1970-01-01T00:05:00Z',
    });
    expect(resumed.note(rows(400))).toBe(true);
    const broken = new NewestFirstCheck('created', {
      read_started_at: '2026-01-01T00:00:00Z',
      position: null,
      order: 'not descending',
    });
    broken.note(rows(200, 100));
    expect(broken.endsAt(rows(200, 100), SINCE)).toBe(false);
  });
});
