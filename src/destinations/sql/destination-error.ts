import { CioError, isCioError } from '../../core/errors.js';

/** Wraps an engine error with where and what: `<destination>: <action> failed: <engine message>`. */
export function destinationError(
  destination: string,
  action: string,
  error: unknown,
  stream?: string,
): CioError {
  if (isCioError(error)) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new CioError('CIO_ERR_DESTINATION', `${destination}: ${action} failed: ${reason}`, {
    cause: error,
    ...(stream === undefined ? {} : { stream }),
  });
}
