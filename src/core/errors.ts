/**
 * Error classes with stable codes. Tests assert on `code`; the CLI maps `kind` to an exit code
 * (config -> 2, transient/system -> 1). Messages must never contain the access token.
 */
export type ErrorKind = 'config' | 'transient' | 'system';

export type ErrorCode =
  | 'CIO_ERR_CONFIG' // invalid configuration, flags or input files
  | 'CIO_ERR_AUTH' // 401: wrong key or wrong region
  | 'CIO_ERR_FORBIDDEN' // 403: key lacks the scope for an endpoint (or IP allow-list)
  | 'CIO_ERR_NOT_FOUND' // 404
  | 'CIO_ERR_BAD_REQUEST' // other 4xx
  | 'CIO_ERR_RATE_LIMITED' // 429 that retries could not cure (or a daily quota: no Retry-After)
  | 'CIO_ERR_SERVER' // 5xx after retries
  | 'CIO_ERR_NETWORK' // resets, timeouts after retries
  | 'CIO_ERR_BAD_RESPONSE' // a body that is not the JSON the API documents
  | 'CIO_ERR_PAGINATION' // a repeated cursor or another paging loop
  | 'CIO_ERR_DESTINATION' // the destination refused (locked, unwritable, ...)
  | 'CIO_ERR_DESTINATION_LOST' // the destination's connection dropped or it asked for a retry
  | 'CIO_ERR_DESTINATION_DATA' // the destination refused one table's data (a value or row it cannot hold)
  | 'CIO_ERR_STATE' // a state file we cannot use
  | 'CIO_ERR_INTERRUPTED' // SIGINT/SIGTERM stopped the run between batches
  | 'CIO_ERR_INTERNAL';

const KIND_OF: Record<ErrorCode, ErrorKind> = {
  CIO_ERR_CONFIG: 'config',
  CIO_ERR_AUTH: 'config',
  CIO_ERR_FORBIDDEN: 'config',
  CIO_ERR_NOT_FOUND: 'system',
  CIO_ERR_BAD_REQUEST: 'system',
  CIO_ERR_RATE_LIMITED: 'transient',
  CIO_ERR_SERVER: 'transient',
  CIO_ERR_NETWORK: 'transient',
  CIO_ERR_BAD_RESPONSE: 'transient',
  CIO_ERR_PAGINATION: 'system',
  CIO_ERR_DESTINATION: 'config',
  CIO_ERR_DESTINATION_LOST: 'transient',
  // The destination works: only the table whose data it refused fails.
  CIO_ERR_DESTINATION_DATA: 'system',
  CIO_ERR_STATE: 'config',
  CIO_ERR_INTERRUPTED: 'transient',
  CIO_ERR_INTERNAL: 'system',
};

export interface CioErrorDetails {
  /** HTTP status of the response that caused the error, when there was one. */
  status?: number;
  /** The API path (never the full URL with credentials). */
  path?: string;
  /** The stream being read. */
  stream?: string;
  cause?: unknown;
}

export class CioError extends Error {
  readonly code: ErrorCode;
  readonly kind: ErrorKind;
  readonly status: number | undefined;
  readonly path: string | undefined;
  readonly stream: string | undefined;

  constructor(code: ErrorCode, message: string, details: CioErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'CioError';
    this.code = code;
    this.kind = KIND_OF[code];
    this.status = details.status;
    this.path = details.path;
    this.stream = details.stream;
  }
}

export function isCioError(error: unknown): error is CioError {
  return error instanceof CioError;
}

/**
 * A run that completed some tables and skipped others because the key lacks their scope (403): not a
 * success (a scheduler must notice), not a failure to retry (the same key gets the same answer).
 */
export const PARTIAL_EXIT_CODE = 3;

/** Exit codes of the CLI: 0 success, 1 runtime failure a retry may cure, 2 the user must fix something. */
export function exitCodeFor(error: unknown): 1 | 2 {
  return isCioError(error) && error.kind === 'config' ? 2 : 1;
}
