import { CioError, isCioError } from '../../core/errors.js';

/**
 * Wraps an engine error with where and what: `<destination>: <action> failed: <engine message>`.
 * A transient one (`transient`: the dialect says so) says that running again resumes.
 */
export function destinationError(
  destination: string,
  action: string,
  error: unknown,
  stream?: string,
  transient = false,
): CioError {
  if (isCioError(error) && error.code !== 'CIO_ERR_DESTINATION_LOST') return error;
  const reason = error instanceof Error ? error.message : String(error);
  if (transient || isCioError(error)) return lost(destination, action, reason, error, stream);
  return new CioError('CIO_ERR_DESTINATION', `${destination}: ${action} failed: ${reason}`, {
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
