import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, runCli } from '../../helpers/cli.js';

export interface ProtocolRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Every stdout line parsed; a line that is not JSON fails the test that reads it. */
  readonly messages: Record<string, unknown>[];
}

/** The built CLI (`npm run build`); CIO_SYNC_CLI points elsewhere while main.ts is being wired. */
const ENTRY = process.env.CIO_SYNC_CLI ?? CLI;

export function parseLines(stdout: string): Record<string, unknown>[] {
  return stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        throw new Error(`stdout carried a line that is not a JSON message: ${line.slice(0, 200)}`);
      }
    });
}

/** Runs the CLI as an orchestrator does: a child process, messages on stdout, logs on stderr. */
export async function runProtocol(args: readonly string[]): Promise<ProtocolRun> {
  const { code, stdout, stderr } = await runCli(args, { entry: ENTRY });
  let parsed: Record<string, unknown>[] | undefined;
  return {
    code,
    stdout,
    stderr,
    // Parsed on first use: --discover and --about print indented JSON, not message lines.
    get messages() {
      parsed ??= parseLines(stdout);
      return parsed;
    },
  };
}

/** A scratch folder for config, catalog and state files. */
export function scratch(): { file: (name: string, content: unknown) => string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'cio-protocol-'));
  return {
    file(name, content) {
      const path = join(dir, name);
      writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
      return path;
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
