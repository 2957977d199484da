import { describe, expect, it } from 'vitest';
import { setAsideKeyless } from '../../src/engine/rejected-records.js';

describe('setAsideKeyless', () => {
  it.each([
    ['a null key', { id: null, name: 'a' }, 'primary key field "id" is null'],
    ['a missing key', { name: 'b' }, 'primary key field "id" is missing'],
    ['one part of a composite key null', { id: 1, email: null }, 'primary key field "email" is null'],
  ])('sets aside %s with the reason, keeping the other rows in order', (_name, bad, reason) => {
    const rows = [{ id: 1, email: 'x' }, bad, { id: 2, email: 'y' }];
    const result = setAsideKeyless(rows, ['id', 'email']);
    expect(result.rows).toEqual([rows[0], rows[2]]);
    expect(result.rejected).toEqual([{ record: bad, reason }]);
  });

  it('keeps a key of 0, false or the empty string (a value, not a missing one)', () => {
    const rows = [{ id: 0 }, { id: '' }, { id: false }];
    expect(setAsideKeyless(rows, ['id'])).toEqual({ rows, rejected: [] });
  });

  it('does not read a key from the prototype chain', () => {
    const row = JSON.parse('{"name":"no key"}') as Record<string, unknown>;
    expect(setAsideKeyless([row], ['constructor']).rejected).toHaveLength(1);
  });
});
