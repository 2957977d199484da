import { describe, expect, it } from 'vitest';
import { getDefinition } from '../../src/streams/definitions.js';
import { checkResumePosition } from '../../src/streams/readers/index.js';

/** Which saved positions each reader strategy accepts (state files are edited by people and tools). */
describe('checkResumePosition', () => {
  it.each([
    ['messages', { cursor: 'abc' }],
    ['messages', null],
    ['customers', { cursor: '250' }],
    ['topics', { cursor: 'abc' }],
    ['eps_suppression', { done: ['blocks'], offsets: { bounces: 300 } }],
    ['eps_suppression', null],
  ])('%s resumes from %j', (table, position) => {
    expect(() => checkResumePosition(getDefinition(table), position)).not.toThrow();
  });

  it.each([
    ['messages', { offset: 100 }],
    ['messages', 'p2'],
    ['customers', { offset: 1000 }],
    ['eps_suppression', { cursor: 'abc' }],
    ['eps_suppression', { done: ['everything'], offsets: {} }],
  ])('%s refuses %j with a state error', (table, position) => {
    expect(() => checkResumePosition(getDefinition(table), position)).toThrow(
      expect.objectContaining({ code: 'CIO_ERR_STATE' }),
    );
  });
});
