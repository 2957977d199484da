import { setFlagsFromString } from 'node:v8';

/**
 * How far V8 lets the heap grow past what survived the last full collection before collecting again.
 * A sync keeps ~20 MB alive but allocates a page's worth of short-lived objects every few
 * milliseconds; at V8's default growth the heap held ~110 MB by the end, mostly garbage. Measured
 * at 1,000,000 messages into DuckDB (3 alternating pairs): peak RSS 309-329 MB against 324-399 MB,
 * the same wall time; at 250,000 no difference in RSS and ~2 % more CPU (docs/benchmarks.md).
 * Only DuckDB syncs use it: the tap and PostgreSQL syncs stay near 130 and 210 MB anyway, and the
 * tap spent ~25 % more CPU with it (it allocates a JSON line per record).
 */
const HEAP_GROWING_PERCENT = 50;

/**
 * Applies the growth policy to this process, unless the user chose one on the node command line.
 * V8 reads this flag each time it sizes the heap, so setting it after start-up takes effect.
 */
export function limitHeapGrowth(): void {
  if (process.execArgv.some((arg) => /^--heap[-_]growing[-_]percent\b/.test(arg))) return;
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}
