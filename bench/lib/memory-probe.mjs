// Preloaded into a CLI process (node --import) to split its peak RSS into the JS heap, buffers
// and the rest (native: DuckDB, libpq-free pg, V8 code). Writes one JSON line to the file named by
// CIO_BENCH_MEMORY_OUT when the process exits.
import { writeFileSync } from 'node:fs';

const out = process.env.CIO_BENCH_MEMORY_OUT;
const peak = { rss: 0, heapTotal: 0, heapUsed: 0, external: 0, arrayBuffers: 0 };
const sample = () => {
  const usage = process.memoryUsage();
  for (const key of Object.keys(peak)) peak[key] = Math.max(peak[key], usage[key]);
};
setInterval(sample, 50).unref();
process.on('exit', () => {
  sample();
  const mb = Object.fromEntries(Object.entries(peak).map(([k, v]) => [k, Math.round(v / 2 ** 20)]));
  if (out) writeFileSync(out, `${JSON.stringify(mb)}\n`);
});
