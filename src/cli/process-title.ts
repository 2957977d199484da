/**
 * Imported first by main.ts, so it runs before the other modules load: the token may be on the
 * command line, and until the title is overwritten `ps` and /proc/<pid>/cmdline show it.
 */
process.title = 'cio-sync';
