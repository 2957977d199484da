import { CioError } from '../core/errors.js';
import { maskUrlPassword } from '../core/secrets.js';

/**
 * Where a sync writes, parsed once from the `destination` setting: one variant per scheme, each
 * holding what its engine needs. `destinations/registry.ts` maps each `kind` to its engine.
 */
export type Destination = DuckDbDestination | PostgresDestination;

export interface DuckDbDestination {
  readonly kind: 'duckdb';
  /** The database file, as given (relative to the working directory). */
  readonly path: string;
}

export interface PostgresDestination {
  readonly kind: 'postgres';
  /** postgres://user:password@host:port/database (may hold the password: never shown). */
  readonly url: string;
  /** The schema the tables go in (the `schema` setting). */
  readonly schema: string;
}

/** The `schema` setting's default. */
export const DEFAULT_SCHEMA = 'public';

/**
 * Parses `duckdb:<file>`, a bare `*.duckdb` path, or `postgres://` / `postgresql://` URLs; `schema`
 * is where a PostgreSQL destination puts its tables.
 */
export function parseDestination(raw: string, schema: string = DEFAULT_SCHEMA): Destination {
  const text = raw.trim();
  if (/^postgres(ql)?:\/\//i.test(text)) {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw badDestination(raw, 'the PostgreSQL URL cannot be parsed');
    }
    if (!url.hostname) throw badDestination(raw, 'the PostgreSQL URL has no host');
    return { kind: 'postgres', url: text, schema };
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

/** The destination in words for logs: its setting, without a password. */
export function describeDestination(destination: Destination): string {
  return destination.kind === 'duckdb' ? `duckdb:${destination.path}` : maskUrlPassword(destination.url);
}
