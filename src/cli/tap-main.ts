#!/usr/bin/env node
// `tap-cio-sync ARGS` = `cio-sync tap ARGS`: Singer runners (Meltano) call a tap as one executable.
process.argv.splice(2, 0, 'tap');
await import('./main.js');
