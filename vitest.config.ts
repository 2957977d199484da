import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Limits that catch a hung test, not slow ones: an end-to-end test that takes seconds on a quiet
    // machine takes a minute or more on a crowded one (measured: crash cases at 50-60 s).
    testTimeout: 180_000,
    hookTimeout: 180_000,
    pool: 'forks',
    // Vitest's default is one worker fewer than the cores: a single worker on a two-core machine, so
    // files ran one after another. Most of a file's time is spent waiting on the processes it starts
    // (the CLI, PostgreSQL), so one worker per core keeps every core busy.
    maxWorkers: Math.max(2, availableParallelism()),
    reporters: ['default'],
  },
});
