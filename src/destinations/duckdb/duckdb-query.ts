import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { DuckDBInstance } from '@duckdb/node-api';
import { CioError } from '../../core/errors.js';
import { notOneStatementError, type QueryTable, queryFailedError } from '../sql/read-only-query.js';
import { loadDuckDb } from './duckdb-connection.js';

/**
 * Opened read-only, without access to any other file (no COPY TO, no ATTACH, no extension
 * downloads), and with the configuration locked so the statement cannot lift either.
 */
const READ_ONLY_OPTIONS = {
  access_mode: 'READ_ONLY',
  enable_external_access: 'false',
  autoinstall_known_extensions: 'false',
  autoload_known_extensions: 'false',
  lock_configuration: 'true',
};

/** Runs one statement read-only on a DuckDB file (`cio-sync query`); a missing file is not created. */
export async function queryDuckDb(path: string, sql: string): Promise<QueryTable> {
  const file = resolve(path);
  if (!existsSync(file)) {
    throw new CioError(
      'CIO_ERR_DESTINATION',
      `The DuckDB database ${file} does not exist. Check the path (--destination, CIO_DESTINATION or the config file), or run cio-sync sync first.`,
    );
  }
  const { DuckDBInstance } = await loadDuckDb();
  let instance: DuckDBInstance;
  try {
    instance = await DuckDBInstance.create(file, READ_ONLY_OPTIONS);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const why = /could not set lock/i.test(reason)
      ? 'a sync is writing to it; run the query when it has finished'
      : reason;
    throw new CioError('CIO_ERR_DESTINATION', `Cannot open the DuckDB database ${file} to read (${why}).`, {
      cause: error,
    });
  }
  const connection = await instance.connect();
  try {
    let count: number;
    try {
      count = (await connection.extractStatements(sql)).count;
    } catch (error) {
      throw queryFailedError('DuckDB', error);
    }
    if (count !== 1) throw notOneStatementError(count);
    try {
      const reader = await connection.runAndReadAll(sql);
      return { columns: reader.columnNames(), rows: reader.getRowsJS() };
    } catch (error) {
      throw queryFailedError('DuckDB', error);
    }
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}
