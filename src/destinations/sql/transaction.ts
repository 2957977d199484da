import { failpoint } from '../../core/failpoint.js';
import type { SqlSession } from './sql-dialect.js';

/** Runs `work` in one transaction: all of it commits, or none of it. */
export async function inTransaction<T>(session: SqlSession, work: () => Promise<T>): Promise<T> {
  await session.query('BEGIN TRANSACTION');
  try {
    const result = await work();
    failpoint('before-commit');
    await session.query('COMMIT');
    failpoint('after-commit');
    return result;
  } catch (error) {
    try {
      await session.query('ROLLBACK');
    } catch {
      // The engine may already have ended the transaction; the original error is the one to report.
    }
    throw error;
  }
}
