import { isOutOfMemory } from './duckdb-types.js';

/**
 * DuckDB's buffer pool defaults to 80% of the machine's memory and keeps the table's blocks cached as
 * it grows (a 256MB pool alone took a 1,000,000-message sync from 350MB to 520MB); a sync touches each
 * batch once, so a small pool keeps the process's memory flat. Staging tables and joins spill to a
 * temporary directory next to the database file. What cannot spill (the rows an UPDATE changes) gets
 * HEADROOM_MEMORY_LIMIT for one retry.
 */
export const DUCKDB_MEMORY_LIMIT = '64MB';
/**
 * The limit while `cio-sync serve` writes beside the process's sync: at 64MB, event commits that met
 * a sync's merge ran out of memory, and DuckDB 1.5 then refused keys no row held and, once a commit
 * failed that way, invalidated the database.
 */
export const SHARED_MEMORY_LIMIT = '512MB';
export const HEADROOM_MEMORY_LIMIT = '1GB';

/** Runs one statement on some connection of the instance. */
export type RunSql = (sql: string) => Promise<unknown>;

/**
 * The instance's memory limit, shared by its sessions: small, raised for work that ran out of it,
 * and back to small once no work needs the headroom.
 */
export class MemoryBudget {
  /** The limit outside raised work. */
  floor = DUCKDB_MEMORY_LIMIT;
  /** Work running with the raised limit, across sessions. */
  private raised = 0;
  /** DuckDB refused to go back to the small limit: see restore. */
  private unrestored = false;

  /** Runs `work`; if it runs out of memory, once more with the raised limit. */
  async withHeadroom<T>(run: RunSql, work: () => Promise<T>): Promise<T> {
    let result: T;
    try {
      result = await work();
    } catch (error) {
      if (!isOutOfMemory(error)) throw error;
      return this.withRaisedLimit(run, work);
    }
    if (this.unrestored && this.raised === 0) await this.restore(run, false);
    return result;
  }

  /** Runs `work` with the raised limit. */
  async withRaisedLimit<T>(run: RunSql, work: () => Promise<T>): Promise<T> {
    this.raised += 1;
    try {
      if (this.raised === 1) await run(`SET memory_limit = '${HEADROOM_MEMORY_LIMIT}'`);
      // Changed rows wait in memory until a checkpoint writes them out; a checkpoint frees them.
      await run('CHECKPOINT').catch(() => undefined);
      return await work();
    } finally {
      this.raised -= 1;
      if (this.raised === 0) await this.restore(run, true);
    }
  }

  /**
   * Goes back to the small limit. DuckDB refuses a limit below what it holds and cannot evict, and
   * that refusal must not fail work that succeeded: it checkpoints (when `checkpoint`) and tries once
   * more; refused again, the limit stays raised and the next work that succeeds tries again.
   */
  private async restore(run: RunSql, checkpoint: boolean): Promise<void> {
    const lower = () =>
      run(`SET memory_limit = '${this.floor}'`).then(
        () => true,
        () => false,
      );
    let lowered = await lower();
    if (!lowered && checkpoint) lowered = await run('CHECKPOINT').then(lower, () => false);
    this.unrestored = !lowered;
  }
}
