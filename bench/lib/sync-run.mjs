// One `cio-sync sync` as a real process, measured, with its printed summary parsed.

import { runMeasured } from './measured-process.mjs';
import { CLI } from './paths.mjs';

/** "4,759" -> 4759. */
const count = (text) => Number(text.replaceAll(',', ''));

/** Parses the per-table summary that `sync` prints on stdout. */
export function parseSummary(stdout) {
  const tables = {};
  for (const line of stdout.split('\n')) {
    const row =
      /^(\w+)\s+(complete|skipped|failed|incomplete)(?: \(resumed\))?\s+([\d,]+)\s+([\d,]+)\s+([\d,]+|-)\s+([\d,]+)$/.exec(
        line,
      );
    if (row) {
      tables[row[1]] = {
        status: row[2],
        rows: count(row[3]),
        written: count(row[4]),
        ...(row[5] === '-' ? {} : { inTable: count(row[5]) }),
        requests: count(row[6]),
      };
    }
  }
  const total =
    /^\d+ tables?: ([\d,]+) rows read, [\d,]+ written(?:, [\d,]+ rejected records)?, ([\d,]+) requests(?: \([^)]*\))?, ([\d,]+) rate-limited$/m.exec(
      stdout,
    );
  const outcome = /^(\w+) (?:in|after) ([\d.]+) s/m.exec(stdout);
  if (!total || !outcome) throw new Error(`no summary in the sync output:\n${stdout}`);
  return {
    status: outcome[1],
    rows: count(total[1]),
    requests: count(total[2]),
    rateLimited: count(total[3]),
    syncSeconds: Number(outcome[2]),
    tables,
  };
}

/**
 * Where a sync's wall time went, from its debug log (JSON lines with epoch-ms `time`): process
 * start to the first data request, the requests, and the last response to the process exit.
 */
export function parseTimeline(stderr, spawnedAtMs, exitedAtMs) {
  const starts = [];
  const ends = [];
  for (const line of stderr.split('\n')) {
    if (!line.startsWith('{')) continue;
    const entry = JSON.parse(line);
    const match = /^API request \(\w+ \S+, status \d+, (\d+) ms\)/.exec(entry.msg ?? '');
    if (!match || entry.stream === 'check') continue;
    ends.push(entry.time);
    starts.push(entry.time - Number(match[1]));
  }
  if (starts.length === 0) return undefined;
  const first = Math.min(...starts);
  const last = Math.max(...ends);
  return {
    beforeFirstRequestSeconds: (first - spawnedAtMs) / 1000,
    requestsSeconds: (last - first) / 1000,
    afterLastResponseSeconds: (exitedAtMs - last) / 1000,
  };
}

/**
 * Runs a sync of `sim` into `destination`. Resolves the summary plus wall time, CPU and peak RSS
 * of the connector process. Throws when the sync does not succeed.
 */
export async function runSync({
  sim,
  destination,
  rate = 10,
  concurrency = 8,
  streams,
  schema,
  timeline = false,
  nodeArgs = [],
  extraEnv = {},
}) {
  const args = [
    ...nodeArgs,
    CLI,
    'sync',
    '--base-url',
    sim.url,
    '--destination',
    destination,
    '--no-progress',
  ];
  args.push('--max-requests-per-second', String(rate), '--concurrency', String(concurrency));
  if (streams) args.push('--streams', streams.join(','));
  if (schema) args.push('--schema', schema);
  if (timeline) args.push('--log-format', 'json', '--log-level', 'debug');
  // The token goes by environment, not argv: flags show in ps.
  const env = { ...process.env, ...extraEnv, CIO_ACCESS_TOKEN: sim.token };
  const spawnedAtMs = Date.now();
  const run = await runMeasured(args, { env });
  const exitedAtMs = spawnedAtMs + run.wallMs;
  if (run.code !== 0) {
    throw new Error(`sync exited ${run.code}:\n${run.stdout}\n${run.stderr.slice(-4000)}`);
  }
  const summary = parseSummary(run.stdout);
  return {
    ...summary,
    wallSeconds: run.wallMs / 1000,
    peakRssMb: run.peakRssKb === undefined ? undefined : run.peakRssKb / 1024,
    cpuSeconds: (run.userSeconds ?? 0) + (run.systemSeconds ?? 0),
    ...(timeline ? { timeline: parseTimeline(run.stderr, spawnedAtMs, exitedAtMs) } : {}),
  };
}
