// Runs a child process and measures it: wall time, CPU time and peak RSS (VmHWM).
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

const TIME = '/usr/bin/time';
const HAS_GNU_TIME = existsSync(TIME);

/** Peak RSS in kB from /proc (the fallback when GNU time is missing; sampled, so a lower bound). */
function vmHwmKb(pid) {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

function parseGnuTime(text) {
  const number = (label) => {
    const match = new RegExp(`${label}: ([\\d.]+)`).exec(text);
    return match ? Number(match[1]) : undefined;
  };
  return {
    peakRssKb: number('Maximum resident set size \\(kbytes\\)'),
    userSeconds: number('User time \\(seconds\\)'),
    systemSeconds: number('System time \\(seconds\\)'),
  };
}

/**
 * Runs `node <args>` to the end (`discardStdout`: its stdout goes to /dev/null). Resolves { code, stdout, stderr, wallMs, peakRssKb, userSeconds,
 * systemSeconds }. Under GNU time the figures are the kernel's; otherwise VmHWM is polled.
 */
export function runMeasured(args, { env = process.env, discardStdout = false } = {}) {
  const command = HAS_GNU_TIME ? TIME : process.execPath;
  const argv = HAS_GNU_TIME ? ['-v', process.execPath, ...args] : args;
  const started = performance.now();
  // Discarded output still has to be written by the child: it goes to /dev/null, not a pipe we hold.
  const child = spawn(command, argv, { stdio: ['ignore', discardStdout ? 'ignore' : 'pipe', 'pipe'], env });
  let stdout = '';
  let stderr = '';
  let sampledPeak = 0;
  child.stdout?.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  const sampler = HAS_GNU_TIME
    ? undefined
    : setInterval(() => {
        sampledPeak = Math.max(sampledPeak, vmHwmKb(child.pid));
      }, 50);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      const wallMs = performance.now() - started;
      if (sampler) clearInterval(sampler);
      const figures = HAS_GNU_TIME ? parseGnuTime(stderr) : { peakRssKb: sampledPeak };
      resolve({ code, stdout, stderr, wallMs, ...figures });
    });
  });
}
