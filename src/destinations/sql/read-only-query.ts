import { CioError } from '../../core/errors.js';

/** What `cio-sync query` prints: the column names in order and each row's values in that order. */
export interface QueryTable {
  readonly columns: readonly string[];
  /** Values as the engine's driver gives them (numbers, strings, bigints, Dates, objects, null). */
  readonly rows: readonly (readonly unknown[])[];
}

/** The text holds no statement, or several (`count` when the engine counted them). */
export function notOneStatementError(count?: number): CioError {
  return new CioError(
    'CIO_ERR_CONFIG',
    count === 0
      ? 'cio-sync query needs one SQL statement; the text holds none.'
      : `cio-sync query runs one statement at a time; the text holds ${count ?? 'several'}. Run them one by one.`,
  );
}

/** A statement the engine refused (a typo, a missing table, a write in a read-only session). */
export function queryFailedError(engine: string, error: unknown): CioError {
  const reason = error instanceof Error ? error.message : String(error);
  return new CioError('CIO_ERR_CONFIG', `${engine} refused the query: ${reason.trim()}`, { cause: error });
}
