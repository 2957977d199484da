import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Vitest's default is one worker fewer than the cores: a single worker on a two-core machine, so
    // files ran one after another. Most of a file's time is spent waiting on the processes it starts
    // (the CLI, PostgreSQL), so one worker per core keeps every core busy.
    maxWorkers: Math.max(2, availableParallelism()),
    reporters: ['default'],
  },
});
