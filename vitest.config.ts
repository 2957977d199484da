import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';
import SlowFirstSequencer from './test/slow-first-sequencer.js';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Limits that catch a hung test, not slow ones: an end-to-end test that takes seconds on a quiet
    // machine takes a minute or more on a crowded one (measured: crash cases at 50-60 s).
    testTimeout: 180_000,
    hookTimeout: 180_000,
    pool: 'forks',
    // Files share a worker's module graph instead of importing vitest and the connector again each
    // (measured: 61 s less CPU over the suite). Safe here: no test stubs modules, globals or env.
    isolate: false,
    // Vitest's default is one worker fewer than the cores: a single worker on a two-core machine, so
    // files ran one after another. Much of a file's time is spent waiting on the processes it starts
    // (the CLI, PostgreSQL), so one worker more than the cores keeps every core busy (measured on
    // two cores: 5:25 with two workers, 5:10 with three).
    maxWorkers: availableParallelism() + 1,
    sequence: { sequencer: SlowFirstSequencer },
    reporters: ['default'],
  },
});
