import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { type CliResult, startCli } from './cli.js';

export interface ServeChild {
  child: ChildProcessWithoutNullStreams;
  /** Base URL, e.g. http://127.0.0.1:41234 */
  url: string;
  webhook: string;
  result: Promise<CliResult>;
}

/** Starts `cio-sync serve` as a child process and waits until it listens. */
export async function startServe(args: readonly string[], env: NodeJS.ProcessEnv): Promise<ServeChild> {
  const { child, result } = startCli(['serve', ...args], { env });
  const url = await new Promise<string>((resolve, reject) => {
    let seen = '';
    const onData = (chunk: Buffer) => {
      seen += chunk.toString('utf8');
      const match = /webhooks at (https?:\/\/[^\s]+)\/webhooks\/customerio/.exec(seen);
      if (match) {
        child.stderr.off('data', onData);
        resolve(match[1]!);
      }
    };
    child.stderr.on('data', onData);
    result.then((r) => reject(new Error(`serve exited (${r.code}) before listening: ${r.stderr}`)), reject);
  });
  return { child, url, webhook: `${url}/webhooks/customerio`, result };
}
