import { describe, expect, it } from 'vitest';
import { maskSecrets, maskUrlPassword, SECRET_MASK } from '../../src/core/secrets.js';

describe('maskSecrets', () => {
  it('masks every whole occurrence of a secret of realistic length', () => {
    const token = 'sk-0123456789abcdef';
    expect(maskSecrets(`Bearer ${token}; again "${token}" and ?key=${token}&x=1`, [token])).toBe(
      `Bearer ${SECRET_MASK}; again "${SECRET_MASK}" and ?key=${SECRET_MASK}&x=1`,
    );
  });

  it('leaves ordinary words alone: short values and occurrences glued to more letters or digits', () => {
    expect(maskSecrets('Syncing 2 table(s) into duckdb:x.duckdb', ['table'])).toBe(
      'Syncing 2 table(s) into duckdb:x.duckdb',
    );
    expect(maskSecrets('workspaces and workspaces2', ['workspaces'])).toBe(`${SECRET_MASK} and workspaces2`);
  });

  it('masks a longer secret that contains a shorter one whole, and regular-expression characters literally', () => {
    expect(maskSecrets('a.b+c*d?e-long and a.b+c*d?e', ['a.b+c*d?e', 'a.b+c*d?e-long'])).toBe(
      `${SECRET_MASK} and ${SECRET_MASK}`,
    );
    expect(maskSecrets('axb+c*d?e', ['a.b+c*d?e'])).toBe('axb+c*d?e');
  });

  it('masks a URL password whatever its length', () => {
    expect(maskUrlPassword('postgres://me:pw@db:5432/x')).toBe(`postgres://me:${SECRET_MASK}@db:5432/x`);
  });
});
