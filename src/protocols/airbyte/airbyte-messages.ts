import { isCioError } from '../../core/errors.js';
import { isStreamName } from '../../streams/definitions.js';
import { withoutMachinePaths } from './machine-paths.js';

export type FailureType = 'system_error' | 'config_error' | 'transient_error';
export type StreamStatus = 'STARTED' | 'RUNNING' | 'COMPLETE' | 'INCOMPLETE';
export type LogLevel = 'FATAL' | 'ERROR' | 'WARN' | 'INFO' | 'DEBUG' | 'TRACE';

/**
 * How the platform should treat a failure: the user must fix a refused key or a missing scope
 * (config), a retry may cure throttling and server trouble (transient), the rest is ours (system).
 */
export function failureTypeOf(error: unknown): FailureType {
  if (!isCioError(error)) return 'system_error';
  const status = error.status;
  if (status === 401 || status === 403) return 'config_error';
  if (status === 429 || (status !== undefined && status >= 500)) return 'transient_error';
  if (error.kind === 'config') return 'config_error';
  if (error.kind === 'transient') return 'transient_error';
  return 'system_error';
}

export function recordMessage(
  stream: string,
  data: Record<string, unknown>,
  emittedAt: number,
): Record<string, unknown> {
  return { type: 'RECORD', record: { stream, data, emitted_at: emittedAt } };
}

export function streamStatusMessage(
  stream: string,
  status: StreamStatus,
  emittedAt: number,
): Record<string, unknown> {
  return {
    type: 'TRACE',
    trace: {
      type: 'STREAM_STATUS',
      emitted_at: emittedAt,
      stream_status: { stream_descriptor: { name: stream }, status },
    },
  };
}

export function logMessage(level: LogLevel, message: string): Record<string, unknown> {
  return { type: 'LOG', log: { level, message } };
}

/** The platform shows the message, as a TRACE's: no absolute path of this machine. */
export function connectionStatusMessage(succeeded: boolean, message: string): Record<string, unknown> {
  return {
    type: 'CONNECTION_STATUS',
    connectionStatus: { status: succeeded ? 'SUCCEEDED' : 'FAILED', message: withoutMachinePaths(message) },
  };
}

export interface ErrorTraceOptions {
  stream?: string;
  emittedAt: number;
  /** Removes secrets from the texts (the message, the internal message and the stack). */
  redact?: (text: string) => string;
}

/**
 * A TRACE ERROR: the platform shows `message` to the user and files the failure by `failure_type`.
 * Its texts leave the machine: no secret, and no absolute path of this machine (stack frames name
 * files relative to the package).
 */
export function errorTraceMessage(error: unknown, options: ErrorTraceOptions): Record<string, unknown> {
  const redact = (text: string) => withoutMachinePaths(options.redact ? options.redact(text) : text);
  const message = error instanceof Error ? error.message : String(error);
  const internal = isCioError(error)
    ? `${error.code}${error.status === undefined ? '' : ` (HTTP ${error.status})`}${error.path ? ` ${error.path}` : ''}`
    : error instanceof Error
      ? error.name
      : 'non-error thrown';
  // The client also names pseudo-streams (the connection check); only catalog streams are descriptors.
  const named = options.stream ?? (isCioError(error) ? error.stream : undefined);
  const stream = named !== undefined && isStreamName(named) ? named : undefined;
  return {
    type: 'TRACE',
    trace: {
      type: 'ERROR',
      emitted_at: options.emittedAt,
      error: {
        message: redact(message),
        internal_message: redact(internal),
        ...(error instanceof Error && error.stack ? { stack_trace: redact(error.stack) } : {}),
        failure_type: failureTypeOf(error),
        ...(stream ? { stream_descriptor: { name: stream } } : {}),
      },
    },
  };
}
