import { setTimeout as sleep } from 'node:timers/promises';
import type { SqlDialect } from './sql-dialect.js';

/**
 * Waits before each new attempt after a transient failure: long enough together (7.5 s) for a
 * server restart or a failover, short enough that a destination gone for good fails the run soon.
 */
const RETRY_DELAYS_MS = [500, 2_000, 5_000];

/**
 * Runs `work` (a whole transaction, or one statement) again after a transient failure, which rolled
 * it back; the session reconnects by itself before the next attempt. `stillSafe` is asked before
 * each new attempt: false means something the work relies on was lost with the connection, and the
 * failure stands.
 */
export async function retryTransient<T>(
  dialect: SqlDialect,
  work: () => Promise<T>,
  stillSafe: () => Promise<boolean> = async () => true,
): Promise<T> {
  let failure: unknown;
  for (const delay of [0, ...RETRY_DELAYS_MS]) {
    if (failure !== undefined) {
      if (!dialect.isTransient(failure)) throw failure;
      await sleep(delay);
      try {
        if (!(await stillSafe())) throw failure;
      } catch (error) {
        if (error === failure || !dialect.isTransient(error)) throw error;
        failure = error;
        continue;
      }
    }
    try {
      return await work();
    } catch (error) {
      failure = error;
    }
  }
  throw failure;
}
