import { CioError, isCioError } from '../../core/errors.js';

/** How the engine's dialect classifies an error it raised. */
export interface EngineErrorClass {
  /** The connection dropped or the server asked for a retry: running again resumes. */
  transient: boolean;
  /** The engine refused one table's data (a value, a row, a constraint): that table fails alone. */
  aboutData: boolean;
}

/**
 * Wraps an engine error with where and what: `<destination>: <action> failed: <engine message>`.
 * A transient one says that running again resumes; one about a stream's data fails that stream alone
 * (CIO_ERR_DESTINATION_DATA); anything else means the destination is unusable.
 */
export function destinationError(
  destination: string,
  action: string,
  error: unknown,
  stream: string | undefined,
  engineClass: EngineErrorClass,
): CioError {
  if (isCioError(error) && error.code !== 'CIO_ERR_DESTINATION_LOST') return error;
  const reason = error instanceof Error ? error.message : String(error);
  if (engineClass.transient || isCioError(error)) return lost(destination, action, reason, error, stream);
  const code =
    stream !== undefined && engineClass.aboutData ? 'CIO_ERR_DESTINATION_DATA' : 'CIO_ERR_DESTINATION';
  return new CioError(code, `${destination}: ${action} failed: ${reason}`, {
    cause: error,
    ...(stream === undefined ? {} : { stream }),
  });
}

function lost(
  destination: string,
  action: string,
  reason: string,
  cause: unknown,
  stream?: string,
): CioError {
  return new CioError(
    'CIO_ERR_DESTINATION_LOST',
    `${destination}: ${action} failed: the connection was lost or the server asked to retry (${reason}). Committed progress is kept; run the sync again to resume.`,
    { cause, ...(stream === undefined ? {} : { stream }) },
  );
}
