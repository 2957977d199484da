import { CioError } from '../core/errors.js';
import { maskUrlPassword } from '../core/secrets.js';

export type Destination = { kind: 'duckdb'; path: string } | { kind: 'postgres'; url: string };

/** Parses `duckdb:<file>`, a bare `*.duckdb` path, or `postgres://` / `postgresql://` URLs. */
export function parseDestination(raw: string): Destination {
  const text = raw.trim();
  if (/^postgres(ql)?:\/\//i.test(text)) {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw badDestination(raw, 'the PostgreSQL URL cannot be parsed');
    }
    if (!url.hostname) throw badDestination(raw, 'the PostgreSQL URL has no host');
    return { kind: 'postgres', url: text };
  }
  const path = text.startsWith('duckdb:') ? text.slice('duckdb:'.length) : text;
  if (path.length === 0) throw badDestination(raw, 'no file name after duckdb:');
  if (!text.startsWith('duckdb:') && !/\.(duckdb|db)$/i.test(path)) {
    throw badDestination(raw, 'unknown kind of destination');
  }
  if (path.includes('://')) throw badDestination(raw, 'unknown URL scheme');
  return { kind: 'duckdb', path };
}

function badDestination(raw: string, why: string): CioError {
  return new CioError(
    'CIO_ERR_CONFIG',
    `destination "${maskUrlPassword(raw)}" is not usable: ${why}. Use duckdb:<file> (e.g. duckdb:customerio.duckdb) or postgres://user@host:5432/database.`,
  );
}
