/**
 * Crash points for the crash-safety harness. `CIO_SYNC_FAILPOINT=<name>:<n>` makes the process kill
 * itself with SIGKILL the n-th time execution reaches `failpoint(name)` - no cleanup, no flush, exactly
 * like a power cut. Unset (always, outside tests) it costs one map lookup.
 */
const spec = process.env.CIO_SYNC_FAILPOINT;
const target = spec ? /^([a-z-]+):(\d+)$/.exec(spec) : null;
let hits = 0;

export function failpoint(name: string): void {
  if (target === null || target[1] !== name) return;
  hits += 1;
  if (hits === Number(target[2])) process.kill(process.pid, 'SIGKILL');
}
