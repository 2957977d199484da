import { isCioError } from '../../core/errors.js';

/**
 * SQLSTATEs after which the same work may succeed if run again: class 08 (the connection failed),
 * the server shutting down or starting up (57P01-57P03), and a transaction PostgreSQL chose to fail
 * (serialization failure, deadlock). In each case the transaction was rolled back.
 */
const TRANSIENT_STATES = new Set(['57P01', '57P02', '57P03', '40001', '40P01']);

/** Socket errors of a connection that dropped, or of a server not accepting connections for now. */
const TRANSIENT_SOCKET_ERRORS = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT']);

/** What the driver says, with no code, about a connection that ended under it. */
const CONNECTION_ENDED = /connection terminated|connection error and is not queryable|not queryable/i;

/** SQLSTATE classes about data: 22 data exception, 23 integrity constraint, 54 program limit (row too big). */
const DATA_CLASSES = new Set(['22', '23', '54']);

export function isPostgresDataError(error: unknown): boolean {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && DATA_CLASSES.has(code.slice(0, 2));
}

export function isTransientPostgresError(error: unknown): boolean {
  if (isCioError(error)) return error.code === 'CIO_ERR_DESTINATION_LOST';
  if (typeof error !== 'object' || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === 'string') {
    if (code.startsWith('08') || TRANSIENT_STATES.has(code) || TRANSIENT_SOCKET_ERRORS.has(code)) return true;
  }
  return typeof message === 'string' && CONNECTION_ENDED.test(message);
}
