import { describe, expect, it } from 'vitest';
import type { ResumePoint } from '../../src/core/state.js';
import { reachesMark, resumePlan } from '../../src/engine/head-catch-up.js';
import { STREAM_DEFINITIONS } from '../../src/streams/definitions.js';
import type { StreamDefinition } from '../../src/streams/types.js';

const definition = (name: string): StreamDefinition => {
  const def = STREAM_DEFINITIONS.find((d) => d.name === name);
  if (!def) throw new Error(`no stream ${name}`);
  return def;
};

const point = (extra: Partial<ResumePoint> = {}): ResumePoint => ({
  read_started_at: '2026-01-01T00:00:00Z',
  position: { cursor: 'abc' },
  ...extra,
});

describe('head catch-up of resumed reads', () => {
  it('lists that grow at the head are the newest-first ones with a time field', () => {
    const growing = STREAM_DEFINITIONS.filter((d) => d.growsAtHead).map((d) => d.name);
    expect(growing.sort()).toEqual(['activities', 'messages']);
    for (const name of growing) expect(definition(name).timeField).toBeDefined();
  });

  it('plans a fresh read from the first page, and other lists straight from the saved position', () => {
    expect(resumePlan(definition('activities'), undefined)).toEqual({ from: undefined });
    expect(resumePlan(definition('newsletters'), point())).toEqual({ from: { cursor: 'abc' } });
    expect(resumePlan(definition('sender_identities'), point({ max_time: '2026-01-01T00:00:00Z' }))).toEqual({
      from: { cursor: 'abc' },
    });
  });

  it('catches a growing list up to the newest time committed, then resumes', () => {
    expect(resumePlan(definition('activities'), point({ max_time: '2025-12-31T23:00:00Z' }))).toEqual({
      from: { cursor: 'abc' },
      catchUpTo: Date.parse('2025-12-31T23:00:00Z'),
    });
  });

  it('starts a growing list over when the interrupted read committed no time', () => {
    expect(resumePlan(definition('messages'), point())).toEqual({ from: undefined });
  });

  it('ends the catch-up at the first record older than the mark, not at one of the same second', () => {
    const mark = Date.parse('2026-01-01T00:00:10Z');
    const row = (timestamp: unknown) => ({ id: 'x', timestamp });
    expect(reachesMark([row('2026-01-01T00:00:11Z'), row('2026-01-01T00:00:10Z')], 'timestamp', mark)).toBe(
      false,
    );
    expect(reachesMark([row('2026-01-01T00:00:11Z'), row('2026-01-01T00:00:09Z')], 'timestamp', mark)).toBe(
      true,
    );
    expect(reachesMark([row(null), row('not a time')], 'timestamp', mark)).toBe(false);
    expect(reachesMark([], 'timestamp', mark)).toBe(false);
  });
});
