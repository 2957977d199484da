import { CioError } from '../../core/errors.js';
import { maskSecrets } from '../../core/secrets.js';

/** Where a PostgreSQL URL points, for messages; the password is kept only to scrub it from them. */
export interface PostgresTarget {
  host: string;
  port: string;
  database: string;
  user: string;
  /** `host:port/database`: what messages name, never the password. */
  label: string;
  password: string;
}

export function parsePostgresUrl(url: string): PostgresTarget {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalidUrl();
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') throw invalidUrl();
  const user = decodeURIComponent(parsed.username);
  const host = parsed.hostname || parsed.searchParams.get('host') || 'localhost';
  const port = parsed.port || parsed.searchParams.get('port') || '5432';
  const database = decodeURIComponent(parsed.pathname.slice(1)) || user;
  return {
    host,
    port,
    database,
    user,
    label: `${host}:${port}/${database}`,
    password: decodeURIComponent(parsed.password),
  };
}

/** `text` with every form of the password replaced, in case a driver message ever echoes it. */
export function redact(text: string, target: PostgresTarget): string {
  return maskSecrets(text, [target.password, encodeURIComponent(target.password)]);
}

function invalidUrl(): CioError {
  return new CioError(
    'CIO_ERR_CONFIG',
    'The PostgreSQL destination is not a valid URL; expected postgres://user:password@host:port/database',
  );
}
