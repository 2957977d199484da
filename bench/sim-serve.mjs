// Server-side cost of the simulator's /v1/messages pages: starts a simulator in this process,
// runs bench/baseline-fetch.mjs against it in a child process (so the client's CPU is not ours),
// and prints one JSON line with the simulator's CPU per page (process.cpuUsage delta: total,
// user, system; and minor page faults per page), the baseline's records/s and this process's
// peak RSS (VmHWM).
//
//   node bench/sim-serve.mjs [--scale 100] [--runs 1] [--sim dist/sim/index.js]
//   node --cpu-prof --cpu-prof-dir=/tmp/prof bench/sim-serve.mjs --scale 100   (a CPU profile)
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback;
};
const scale = Number(flag('scale', '100'));
const runs = Number(flag('runs', '1'));
const simPath = resolve(flag('sim', resolve(here, '../dist/sim/index.js')));

const { startSimulator } = await import(pathToFileURL(simPath).href);
const vmHwmKb = () => Number(/VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0);

const sim = await startSimulator({ seed: 1, scale, rps: 0, token: 'tok' });
const results = [];
try {
  for (let r = 0; r < runs; r++) {
    const cpu0 = process.cpuUsage();
    const faults0 = process.resourceUsage().minorPageFault;
    const { stdout } = await promisify(execFile)(process.execPath, [
      resolve(here, 'baseline-fetch.mjs'),
      sim.url,
      'tok',
    ]);
    const cpu = process.cpuUsage(cpu0);
    const faults = process.resourceUsage().minorPageFault - faults0;
    const base = JSON.parse(stdout);
    results.push({
      pages: base.pages,
      records: base.records,
      recordsPerSecond: Math.round(base.records / base.seconds),
      serverCpuMsPerPage: +((cpu.user + cpu.system) / 1000 / base.pages).toFixed(3),
      userMsPerPage: +(cpu.user / 1000 / base.pages).toFixed(3),
      systemMsPerPage: +(cpu.system / 1000 / base.pages).toFixed(3),
      pageFaultsPerPage: Math.round(faults / base.pages),
    });
  }
} finally {
  await sim.stop();
}
process.stdout.write(
  `${JSON.stringify({ scale, sim: simPath, runs: results, peakRssMb: Math.round(vmHwmKb() / 1024) })}\n`,
);
