// `npm run bench`: starts the simulator and runs the CLI as real processes, prints a table and
// writes bench/results.json. Build first (`npm run build`): everything runs from dist/.
//
//   node bench/run.mjs [--only budget,serial,second,limiter,raw,postgres,serve,changes] [--quick] [--runs N]
//                      [--budget-scale S] [--raw-scales A,B]
//
// budget   full sync of a mid-size world at 10 requests/s with 150 ms latency (concurrency 8)
// serial   the same, one request at a time (concurrency 1)
// second   a second sync into the same destination with nothing changed
// limiter  the budget sync against each server limiter (rolling, token bucket, fixed window),
//          quiet and beside a process burning a core: 429s and wall / floor (one run each unless
//          --runs N; --limiter-modes rolling,... and --limiter-loads quiet,busy pick cases)
// raw      the simulator unlimited: messages into DuckDB, records/s and peak RSS, two world sizes
//          (also with the memory-capped settings of the README),
//          against a baseline that only fetches and parses the same pages, and an ideal loader
//          that hands the page bytes to DuckDB's JSON reader unchecked (an upper bound, not a connector)
// postgres the raw benchmark's largest world into PostgreSQL (127.0.0.1:5432, db test)
// serve    `cio-sync serve`: webhook events/s and p50/p99 ack latency into DuckDB and PostgreSQL,
//          over 4 and 32 keep-alive connections, with and without scheduled syncs running
// changes  a first sync of a large world, one simulated day, then a second sync with the defaults
//          and one with customers_refresh: changes (requests, fraction of the first, wall / floor,
//          the second checked against the ground truth); --changes-scale S (default 400)
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { benchBudget } from './bench-budget.mjs';
import { benchChanges } from './bench-changes.mjs';
import { benchLimiter } from './bench-limiter.mjs';
import { benchRaw } from './bench-raw.mjs';
import { benchServe } from './bench-serve.mjs';
import { machine } from './lib/machine.mjs';
import { CLI, QUICK_RESULTS, RESULTS, scratchDir } from './lib/paths.mjs';
import { printReport } from './lib/report.mjs';

const ALL = ['budget', 'serial', 'second', 'limiter', 'raw', 'postgres', 'serve', 'changes'];
const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    quick: { type: 'boolean', default: false },
    runs: { type: 'string' },
    'budget-scale': { type: 'string' },
    'raw-scales': { type: 'string' },
    'changes-scale': { type: 'string' },
    'limiter-modes': { type: 'string' },
    'limiter-loads': { type: 'string' },
  },
});
const only = values.only ? values.only.split(',').map((s) => s.trim()) : ALL;
for (const name of only)
  if (!ALL.includes(name)) throw new Error(`unknown benchmark "${name}" (${ALL.join(', ')})`);
if (!existsSync(CLI)) throw new Error('dist/ is missing: run `npm run build` first');

// Mid-size: scale 40 = 100,000 messages and 24,000 customers (~645 requests, ~65 s at 10/s).
// Raw: scale 100 and 400 = 250,000 and 1,000,000 messages. --quick shrinks everything for a smoke run.
const runs = Number(values.runs ?? (values.quick ? 1 : 3));
const budgetScale = Number(values['budget-scale'] ?? (values.quick ? 4 : 40));
const rawScales = (values['raw-scales'] ?? (values.quick ? '4,16' : '100,400')).split(',').map(Number);
// Changes: scale 400 = 1,000,000 messages and 240,000 people (~5,500 requests, ~9 min at 10/s).
const changesScale = Number(values['changes-scale'] ?? (values.quick ? 4 : 400));
const dir = scratchDir();
const log = (line) => process.stderr.write(`${line}\n`);

// A subset run replaces only its own sections of an earlier results file; a quick run never
// touches the real figures.
const resultsFile = values.quick ? QUICK_RESULTS : RESULTS;
const results = existsSync(resultsFile) ? JSON.parse(readFileSync(resultsFile, 'utf8')) : {};
results.date = new Date().toISOString();
results.machine = machine();
const stamp = (section) => ({
  ranAt: new Date().toISOString(),
  runCount: runs,
  quick: values.quick,
  ...section,
});
try {
  const wantBudget = only.includes('budget') || only.includes('second');
  if (wantBudget) {
    log(`budget: full sync at 10 requests/s, 150 ms latency, concurrency 8, ${runs} run(s)`);
    const budget = await benchBudget({
      scale: budgetScale,
      runs,
      concurrency: 8,
      second: only.includes('second'),
      dir,
      log,
    });
    results.budget = stamp(budget.full);
    if (budget.second) results.second = stamp(budget.second);
  }
  if (only.includes('serial')) {
    log(`serial: the same sync with concurrency 1, ${runs} run(s)`);
    results.serial = stamp(
      (await benchBudget({ scale: budgetScale, runs, concurrency: 1, second: false, dir, log })).full,
    );
  }
  if (only.includes('limiter')) {
    log('limiter: the budget sync against each server limiter, quiet and with a core burning');
    const list = (text) => text?.split(',').map((s) => s.trim());
    results.limiter = stamp(
      await benchLimiter({
        scale: budgetScale,
        runs: values.runs === undefined ? 1 : runs,
        dir,
        log,
        modes: list(values['limiter-modes']),
        loads: list(values['limiter-loads']),
      }),
    );
  }
  if (only.includes('raw')) {
    log(`raw: simulator unlimited, messages into DuckDB, scales ${rawScales.join(', ')}, ${runs} run(s)`);
    results.raw = stamp({
      scales: await benchRaw({
        scales: rawScales,
        runs,
        streams: ['messages'],
        duckdb: true,
        postgres: false,
        capped: true,
        dir,
        log,
      }),
    });
  }
  if (only.includes('postgres')) {
    const scale = Math.max(...rawScales);
    log(`postgres: simulator unlimited, messages into PostgreSQL, scale ${scale}, ${runs} run(s)`);
    results.postgres = stamp(
      (
        await benchRaw({
          scales: [scale],
          runs,
          streams: ['messages'],
          duckdb: false,
          postgres: true,
          dir,
          log,
        })
      )[0],
    );
  }
  if (only.includes('serve')) {
    const seconds = values.quick ? 3 : 10;
    log(
      `serve: webhook events for ${seconds} s per case, DuckDB and PostgreSQL, 4 and 32 connections, with and without syncs`,
    );
    results.serve = stamp(await benchServe({ dir, log, seconds, syncScale: values.quick ? 2 : 20 }));
  }
  if (only.includes('changes')) {
    log(`changes: reads of what changed after one simulated day, scale ${changesScale}`);
    results.changes = stamp(await benchChanges({ scale: changesScale, dir, log }));
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
writeFileSync(resultsFile, `${JSON.stringify(results, null, 2)}\n`);
process.stdout.write(printReport(results));
log(`wrote ${resultsFile}`);
