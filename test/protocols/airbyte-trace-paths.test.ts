import { readFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CioError } from '../../src/core/errors.js';
import { errorTraceMessage } from '../../src/protocols/airbyte/airbyte-messages.js';
import { withoutMachinePaths } from '../../src/protocols/airbyte/machine-paths.js';
import { machinePathsIn } from './helpers/machine-paths.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');

function traceError(error: unknown): Record<string, string> {
  const message = errorTraceMessage(error, { emittedAt: 1, redact: (t) => t.replaceAll('sekrit', '****') });
  return (message.trace as { error: Record<string, string> }).error;
}

/** A real internal error: Node's own, thrown deep in a call stack that runs through this machine's files. */
function readMissingFile(): unknown {
  try {
    readFileSync(join(tmpdir(), 'cio-no-such-dir', 'config.json'));
  } catch (error) {
    return error;
  }
  throw new Error('expected ENOENT');
}

describe('Airbyte TRACE errors name no absolute path of this machine', () => {
  it('an internal error: message, internal message and stack, frames relative to the package', () => {
    const error = readMissingFile();
    expect(machinePathsIn(String((error as Error).stack))).not.toEqual([]);
    const trace = traceError(error);
    expect(trace.failure_type).toBe('system_error');
    for (const field of ['message', 'internal_message', 'stack_trace'])
      expect(machinePathsIn(trace[field] ?? ''), field).toEqual([]);
    expect(trace.message).toContain("open 'config.json'");
    expect(trace.stack_trace).toMatch(/test\/protocols\/airbyte-trace-paths\.test\.ts:\d+:\d+/);
  });

  it('a config error naming the file it could not read', () => {
    const path = join(homedir(), 'configs', 'sekrit', 'config.json');
    const trace = traceError(
      new CioError('CIO_ERR_CONFIG', `Cannot use the config file ${path}: it does not exist.`),
    );
    expect(trace.failure_type).toBe('config_error');
    expect(trace.message).toBe('Cannot use the config file config.json: it does not exist.');
    expect(machinePathsIn(JSON.stringify(trace))).toEqual([]);
    expect(JSON.stringify(trace)).not.toContain('sekrit');
  });

  it('keeps API paths, URLs, dates and content types as they are', () => {
    const text =
      'GET /v1/campaigns/12/actions at http://127.0.0.1:4999/v1/campaigns (application/json) since 01/31/2024';
    expect(withoutMachinePaths(text)).toBe(text);
    expect(withoutMachinePaths(`at x (file://${REPO}/dist/bin/main.js:1:2) and ${REPO}/src/a.ts`)).toBe(
      'at x (dist/bin/main.js:1:2) and src/a.ts',
    );
    expect(withoutMachinePaths('state file /var/lib/airbyte/state.json, C:\\Users\\me\\c.json')).toBe(
      'state file state.json, c.json',
    );
  });
});
