// Bundles the CLI entries into dist/bin, so a run loads a few files instead of ~160 modules and
// their dependencies one by one: start-up before the first request is ~0.1-0.2 s shorter on this
// project's machines. dist/ keeps the separate modules for the library (`import 'cio-sync'`).
// Native and driver packages stay external: they load their own files from node_modules.
import { build } from 'rolldown';

await build({
  input: { main: 'dist/cli/main.js', 'tap-main': 'dist/cli/tap-main.js' },
  platform: 'node',
  external: [/^@duckdb\//, /^pg($|-)/],
  logLevel: 'warn',
  output: {
    // Two levels below the package root, as dist/cli is: src/core/version.ts finds package.json there.
    dir: 'dist/bin',
    format: 'esm',
    entryFileNames: '[name].js',
    chunkFileNames: '[name]-[hash].js',
    cleanDir: true,
  },
});
