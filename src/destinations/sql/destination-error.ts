import { CioError, isCioError } from '../../core/errors.js';

/**
 * Wraps an engine error with where and what: `<destination>: <action> failed: <engine message>`.
 * An error about one stream's data (a value, a row or a constraint the engine refuses) fails that
 * stream alone (CIO_ERR_DESTINATION_DATA); anything else means the destination is unusable.
 */
export function destinationError(
  destination: string,
  action: string,
  error: unknown,
  stream?: string,
): CioError {
  if (isCioError(error)) return error;
  const reason = error instanceof Error ? error.message : String(error);
  const code =
    stream !== undefined && isDataError(error) ? 'CIO_ERR_DESTINATION_DATA' : 'CIO_ERR_DESTINATION';
  return new CioError(code, `${destination}: ${action} failed: ${reason}`, {
    cause: error,
    ...(stream === undefined ? {} : { stream }),
  });
}

/** PostgreSQL SQLSTATE classes about data: 22 data exception, 23 integrity, 54 program limit. */
const POSTGRES_DATA_CLASSES = new Set(['22', '23', '54']);
/** DuckDB's error kinds about data (the message starts with the kind). */
const DUCKDB_DATA_ERRORS = /^(Constraint|Conversion|Invalid Input|Out of Range) Error:/;

function isDataError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const { code } = error as { code?: unknown };
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code))
    return POSTGRES_DATA_CLASSES.has(code.slice(0, 2));
  return DUCKDB_DATA_ERRORS.test(error.message);
}
