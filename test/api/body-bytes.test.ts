import { describe, expect, it } from 'vitest';
import { withJoined } from '../../src/api/body-bytes.js';

describe('withJoined', () => {
  it('joins chunks in order, and a shorter body after a longer one sees only its own bytes', () => {
    const long = ['{"a":', '"long body"', '}'].map((text) => Buffer.from(text));
    const short = ['[1,', '2]'].map((text) => Buffer.from(text));
    expect(withJoined(long, (bytes) => bytes.toString())).toBe('{"a":"long body"}');
    expect(withJoined(short, (bytes) => bytes.toString())).toBe('[1,2]');
    expect(withJoined([], (bytes) => bytes.length)).toBe(0);
  });

  it('hands a single chunk over as it is, and joins a body too large to keep into its own buffer', () => {
    const one = Buffer.from('{"x":1}');
    expect(withJoined([one], (bytes) => bytes)).toBe(one);
    const huge = [Buffer.alloc(9 * 1024 * 1024, 0x61), Buffer.alloc(9 * 1024 * 1024, 0x62)];
    const first = withJoined(huge, (bytes) => bytes);
    const second = withJoined([Buffer.from('a'), Buffer.from('b')], (bytes) => bytes.toString());
    expect(second).toBe('ab');
    // The huge body's buffer was its own: joining later bodies did not overwrite it.
    expect([first.length, first[0], first[first.length - 1]]).toEqual([18 * 1024 * 1024, 0x61, 0x62]);
  });
});
