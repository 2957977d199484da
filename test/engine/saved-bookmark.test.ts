import { describe, expect, it } from 'vitest';
import { checkSavedBookmark } from '../../src/engine/saved-bookmark.js';

/** A saved resume point is checked before a read trusts it (pure). */
const point = (extra: object) => ({
  resume: { read_started_at: '2026-01-01T00:00:00Z', position: { cursor: 'c' }, ...extra },
});

describe('checkSavedBookmark', () => {
  it('accepts the orders a read asked newest first saves, and refuses any other', () => {
    expect(() => checkSavedBookmark('newsletters', point({ order: 'descending' }))).not.toThrow();
    expect(() => checkSavedBookmark('newsletters', point({ order: 'not descending' }))).not.toThrow();
    expect(() => checkSavedBookmark('newsletters', point({ order: 'sideways' }))).toThrow(
      /resume\.order is "sideways".*state reset --streams newsletters/,
    );
  });
});
