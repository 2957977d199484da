// The simulator as its own process, so the connector's RSS and CPU are measured alone.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { CLI } from './paths.mjs';

/** Starts `cio-sync sim` and resolves once it listens; `stop()` ends it and waits for the exit. */
export async function startSimProcess({ scale, rps, latencyMs, seed = 1, limiter }) {
  const args = [CLI, 'sim', '--port', '0', '--scale', String(scale), '--rps', String(rps)];
  if (limiter !== undefined) args.push('--limiter', limiter);
  args.push('--latency-ms', String(latencyMs), '--seed', String(seed));
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  const lines = createInterface({ input: child.stdout });
  const url = await new Promise((resolve, reject) => {
    const onExit = (code) => reject(new Error(`simulator exited (${code}) before listening: ${stderr}`));
    child.once('exit', onExit);
    lines.on('line', (line) => {
      const match = /listening on (http:\/\/\S+) \(token: (\S+)\)/.exec(line);
      if (!match) return;
      child.off('exit', onExit);
      resolve({ url: match[1], token: match[2] });
    });
  });
  const control = async (method, path, body) => {
    const res = await fetch(`${url.url}/__sim/${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (!res.ok) throw new Error(`simulator control ${path}: ${res.status}`);
    return res.json();
  };
  return {
    url: url.url,
    token: url.token,
    pid: child.pid,
    /** { requests, rateLimited, faults } as the simulator counted them. */
    stats: async () => (await control('GET', 'stats')).stats,
    setRateLimit: (value) => control('POST', 'rate_limit', { rps: value }),
    /** Moves the world on (AdvanceOptions); resolves the AdvanceResult. */
    advance: (options) => control('POST', 'advance', options),
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
  };
}
