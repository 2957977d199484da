import { describe, expect, it } from 'vitest';
import {
  DUCKDB_MEMORY_LIMIT,
  HEADROOM_MEMORY_LIMIT,
  MemoryBudget,
} from '../../src/destinations/duckdb/memory-budget.js';

const LOWER = `SET memory_limit = '${DUCKDB_MEMORY_LIMIT}'`;
const RAISE = `SET memory_limit = '${HEADROOM_MEMORY_LIMIT}'`;

/**
 * The statements a budget sends, answered as DuckDB would: lowering the limit is refused while
 * `held` (memory it cannot evict), and a checkpoint releases that memory when `checkpointFrees`.
 */
function engine(options: { held?: boolean; checkpointFrees?: boolean } = {}) {
  const state = { held: options.held ?? false, limit: DUCKDB_MEMORY_LIMIT, sent: [] as string[] };
  const run = async (sql: string): Promise<unknown> => {
    state.sent.push(sql);
    if (sql === 'CHECKPOINT' && options.checkpointFrees) state.held = false;
    if (sql === LOWER && state.held) {
      throw new Error(
        'Out of Memory Error: Failed to change memory limit to 64000000: could not free up enough memory',
      );
    }
    if (sql.startsWith('SET memory_limit'))
      state.limit = sql === LOWER ? DUCKDB_MEMORY_LIMIT : HEADROOM_MEMORY_LIMIT;
    return undefined;
  };
  return { state, run };
}

const outOfMemory = () => new Error('Out of Memory Error: could not allocate block of size 256.0 KiB');

describe('MemoryBudget', () => {
  it('runs work once, with no statement, when it fits', async () => {
    const { state, run } = engine();
    expect(await new MemoryBudget().withHeadroom(run, async () => 'done')).toBe('done');
    expect(state.sent).toEqual([]);
  });

  it('runs work that ran out of memory once more with the raised limit, then lowers it', async () => {
    const { state, run } = engine();
    let attempts = 0;
    const result = await new MemoryBudget().withHeadroom(run, async () => {
      attempts += 1;
      if (attempts === 1) throw outOfMemory();
      return 'done';
    });
    expect(result).toBe('done');
    expect(state.sent).toEqual([RAISE, 'CHECKPOINT', LOWER]);
    expect(state.limit).toBe(DUCKDB_MEMORY_LIMIT);
  });

  it('does not retry other failures', async () => {
    const { state, run } = engine();
    let attempts = 0;
    const failing = new MemoryBudget().withHeadroom(run, async () => {
      attempts += 1;
      throw new Error('Catalog Error: Table with name x does not exist!');
    });
    await expect(failing).rejects.toThrow(/does not exist/);
    expect(attempts).toBe(1);
    expect(state.sent).toEqual([]);
  });

  it('checkpoints and lowers again when DuckDB first refuses the small limit', async () => {
    const { state, run } = engine({ checkpointFrees: true });
    // The work leaves changed rows in memory until a checkpoint writes them out.
    const result = await new MemoryBudget().withRaisedLimit(run, async () => {
      state.held = true;
      return 'merged';
    });
    expect(result).toBe('merged');
    expect(state.sent).toEqual([RAISE, 'CHECKPOINT', LOWER, 'CHECKPOINT', LOWER]);
    expect(state.limit).toBe(DUCKDB_MEMORY_LIMIT);
  });

  it('keeps the result when the limit cannot be lowered yet, and lowers it after later work', async () => {
    const { state, run } = engine({ held: true });
    const budget = new MemoryBudget();
    expect(await budget.withRaisedLimit(run, async () => 'merged')).toBe('merged');
    expect(state.limit).toBe(HEADROOM_MEMORY_LIMIT);
    // Still held: the next work succeeds and the limit stays up, without failing it.
    expect(await budget.withHeadroom(run, async () => 'next')).toBe('next');
    expect(state.limit).toBe(HEADROOM_MEMORY_LIMIT);
    state.held = false;
    state.sent = [];
    expect(await budget.withHeadroom(run, async () => 'later')).toBe('later');
    expect(state.sent).toEqual([LOWER]);
    expect(state.limit).toBe(DUCKDB_MEMORY_LIMIT);
    // Restored: work that fits sends nothing again.
    state.sent = [];
    await budget.withHeadroom(run, async () => 'again');
    expect(state.sent).toEqual([]);
  });

  it('lowers the limit only when the last of overlapping raised work is done', async () => {
    const { state, run } = engine();
    const budget = new MemoryBudget();
    let release: () => void = () => undefined;
    const first = budget.withRaisedLimit(
      run,
      () =>
        new Promise<string>((resolve) => {
          release = () => resolve('first');
        }),
    );
    await budget.withRaisedLimit(run, async () => 'second');
    expect(state.limit).toBe(HEADROOM_MEMORY_LIMIT);
    release();
    expect(await first).toBe('first');
    expect(state.limit).toBe(DUCKDB_MEMORY_LIMIT);
    expect(state.sent.filter((sql) => sql === RAISE)).toHaveLength(1);
  });
});
