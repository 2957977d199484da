/**
 * Crash points for the crash-safety harness. `CIO_SYNC_FAILPOINT=<name>[@<stream>]:<n>` makes the
 * process kill itself with SIGKILL the n-th time execution reaches `failpoint(name)` (for that
 * stream, when one is named) - no cleanup, no flush, exactly like a power cut. Unset (always,
 * outside tests) it costs one comparison.
 */
const spec = process.env.CIO_SYNC_FAILPOINT;
const target = spec ? /^([a-z-]+)(?:@([a-z_]+))?:(\d+)$/.exec(spec) : null;
let hits = 0;

export function failpoint(name: string, stream?: string): void {
  if (target === null || target[1] !== name) return;
  if (target[2] !== undefined && target[2] !== stream) return;
  hits += 1;
  if (hits === Number(target[3])) process.kill(process.pid, 'SIGKILL');
}
