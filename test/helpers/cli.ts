import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../../dist/bin/main.js', import.meta.url));

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  env?: NodeJS.ProcessEnv;
  input?: string;
  cwd?: string;
  entry?: string;
}

/** Starts the built CLI as a child process; `result` settles when it exits. */
export function startCli(
  args: readonly string[],
  options: CliOptions = {},
): { child: ChildProcessWithoutNullStreams; result: Promise<CliResult> } {
  const child = spawn(process.execPath, [options.entry ?? CLI, ...args], {
    cwd: options.cwd,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const result = new Promise<CliResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  child.stdin.end(options.input ?? '');
  return { child, result };
}

/** Runs the built CLI as a child process (the way users and orchestrators run it). */
export function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  return startCli(args, options).result;
}

/** `cio-sync sync` from a simulator into a DuckDB file, at a rate no test waits on. */
export function duckdbSyncArgs(baseUrl: string, file: string): string[] {
  return [
    'sync',
    '--base-url',
    baseUrl,
    '--destination',
    `duckdb:${file}`,
    '--max-requests-per-second',
    '1000',
  ];
}
