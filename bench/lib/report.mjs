import { serveLines } from '../bench-serve.mjs';
// The printed table: one line per figure, the median of the runs, its target and whether it is met.
import { round } from './stats.mjs';

const fmt = (value, digits = 2) => {
  if (value === undefined) return '-';
  if (Math.abs(value) >= 1000) return Math.round(value).toLocaleString('en-US');
  return String(round(value, digits));
};

function budgetLines(name, b) {
  const m = b.median;
  const label = `${name} (scale ${b.scale}, concurrency ${b.concurrency})`;
  const minimum = `= ${b.minimum.formula} (paging rules: ${b.minimum.protocol})`;
  const isBudget = name === 'budget';
  return [
    [label, 'requests made (+1 key check apart)', fmt(m.requests), minimum, m.requests <= b.minimum.protocol],
    [label, 'requests beyond the paging-rules minimum', fmt(m.extraRequests), '0', m.extraRequests === 0],
    [
      label,
      '429 answers, % of requests',
      fmt(m.rateLimitedPercent, 3),
      '< 0.5 %',
      m.rateLimitedPercent < 0.5,
    ],
    [label, 'wall time, s', fmt(m.wallSeconds, 1), '', undefined],
    [label, 'floor = minimum / 10 rps, s', fmt(m.floorSeconds, 1), '', undefined],
    [
      label,
      'wall / floor',
      fmt(m.wallOverFloor, 3),
      isBudget ? '<= 1.05' : '',
      isBudget ? m.wallOverFloor <= 1.05 : undefined,
    ],
    [label, 'sync time (summary) / floor', fmt(m.syncOverFloor, 3), '', undefined],
    [label, '  start-up to first data request, s', fmt(m.beforeFirstRequestSeconds, 2), '', undefined],
    [label, '  first data request to last answer, s', fmt(m.requestsSeconds, 1), '', undefined],
    [label, '  last answer to process exit, s', fmt(m.afterLastResponseSeconds, 2), '', undefined],
    [label, 'requests/s achieved', fmt(m.achievedRps, 2), '', undefined],
    [label, 'connector CPU, s', fmt(m.cpuSeconds, 1), '', undefined],
    [label, 'connector peak RSS, MB', fmt(m.peakRssMb, 0), '', undefined],
  ];
}

function rawLines(section, key, title) {
  const lines = [];
  for (const entry of section) {
    const label = `${title} (scale ${entry.scale}, ${entry.streams.join(',')})`;
    const base = entry.baseline.median;
    lines.push([label, 'baseline fetch+parse, records/s', fmt(base.recordsPerSecond), '', undefined]);
    const ideal = entry.ideal?.median;
    if (ideal) {
      const name = 'ideal loader (no checks, messages only)';
      lines.push([label, `${name}: records/s`, fmt(ideal.recordsPerSecond), '', undefined]);
      lines.push([label, `${name}: / baseline`, fmt(ideal.ofBaseline, 3), '', undefined]);
    }
    const tap = entry.tap?.median;
    if (tap) {
      lines.push([
        label,
        'no database (tap > /dev/null), records/s',
        fmt(tap.recordsPerSecond),
        '',
        undefined,
      ]);
      lines.push([label, 'no database / baseline (same run)', fmt(tap.ofBaseline, 3), '', undefined]);
      lines.push([label, 'no database: peak RSS, MB', fmt(tap.peakRssMb, 0), '', undefined]);
    }
    const sink = entry[key]?.median;
    if (!sink) continue;
    lines.push([
      label,
      `${key}, records/s`,
      fmt(sink.recordsPerSecond),
      key === 'duckdb' ? '>= 100,000' : '',
      key === 'duckdb' ? sink.recordsPerSecond >= 100_000 : undefined,
    ]);
    lines.push([
      label,
      `${key} / baseline (same run)`,
      fmt(sink.ofBaseline, 3),
      '>= 0.5',
      sink.ofBaseline >= 0.5,
    ]);
    lines.push([label, 'connector peak RSS, MB', fmt(sink.peakRssMb, 0), '< 300', sink.peakRssMb < 300]);
    lines.push([label, 'connector CPU, s', fmt(sink.cpuSeconds, 1), '', undefined]);
    const capped = key === 'duckdb' ? entry.duckdbCapped?.median : undefined;
    if (capped) {
      const name = 'duckdb, memory-capped settings';
      lines.push([label, `${name}: records/s`, fmt(capped.recordsPerSecond), '', undefined]);
      lines.push([label, `${name}: / baseline`, fmt(capped.ofBaseline, 3), '', undefined]);
      lines.push([label, `${name}: peak RSS, MB`, fmt(capped.peakRssMb, 0), '< 300', capped.peakRssMb < 300]);
    }
  }
  return lines;
}

/** One line pair per server limiter and machine load: 429s and wall / floor. */
function limiterLines(section) {
  const lines = [];
  for (const r of section.results) {
    const label = `limiter ${r.mode}, ${r.load} (scale ${section.scale})`;
    const percent = fmt(r.rateLimitedPercent, 3);
    lines.push([label, `429 answers, % of ${r.requests}`, percent, '< 0.5 %', r.rateLimitedPercent < 0.5]);
    lines.push([label, 'wall / floor', fmt(r.wallOverFloor, 3), '<= 1.10', r.wallOverFloor <= 1.1]);
  }
  return lines;
}

function changesLines(c) {
  const label = `changes (scale ${c.scale})`;
  const pct = (x) => `${fmt(100 * x, 2)} %`;
  const lines = [
    [
      label,
      'first sync: requests (+1 key check apart)',
      fmt(c.first.requests),
      `= ${c.minimum} + 1 feed head`,
      c.first.requests === c.minimum + 1,
    ],
    [label, 'first sync: wall / floor', fmt(c.first.wallOverFloor, 3), '', undefined],
  ];
  for (const [name, s] of Object.entries(c.second)) {
    const target = name === 'changes';
    lines.push([label, `second sync (${name}): requests`, fmt(s.requests), '', undefined]);
    lines.push([
      label,
      `second sync (${name}): of the first`,
      pct(s.ofFirst),
      target ? '<= 5 %' : '',
      target ? s.ofFirst <= 0.05 : undefined,
    ]);
    lines.push([label, `second sync (${name}): wall / floor`, fmt(s.wallOverFloor, 3), '', undefined]);
  }
  for (const [table, v] of Object.entries(c.verified)) {
    const exact = v.missing === 0 && v.differing === 0 && v.deletedMarked === 0;
    // Newsletters edited outside the rescan window may differ until the next complete read.
    const mustBeExact = table !== 'newsletters';
    lines.push([
      label,
      `second sync (changes): ${table} equal to the truth`,
      `${fmt(v.equal)} of ${fmt(v.expected)}`,
      mustBeExact ? 'all' : '(window)',
      mustBeExact ? exact : undefined,
    ]);
  }
  return lines;
}

export function printReport(results) {
  const lines = [];
  if (results.budget) lines.push(...budgetLines('budget', results.budget));
  if (results.serial) lines.push(...budgetLines('serial', results.serial));
  if (results.second) {
    const m = results.second.median;
    const label = `second sync (scale ${results.second.scale})`;
    lines.push([label, 'requests made (+1 key check apart)', fmt(m.requests), '', undefined]);
    lines.push([label, 'rows written, all tables', fmt(m.rowsWritten), '', undefined]);
    lines.push([
      label,
      'rows written, incremental tables',
      fmt(m.incrementalRowsWritten),
      '0',
      m.incrementalRowsWritten === 0,
    ]);
    lines.push([label, 'wall time, s', fmt(m.wallSeconds, 1), '', undefined]);
  }
  if (results.limiter) lines.push(...limiterLines(results.limiter));
  if (results.changes) lines.push(...changesLines(results.changes));
  if (results.raw) lines.push(...rawLines(results.raw.scales, 'duckdb', 'raw'));
  if (results.postgres) lines.push(...rawLines([results.postgres], 'postgres', 'postgres'));
  if (results.serve) lines.push(...serveLines(results.serve));
  const header = ['benchmark', 'figure (median of runs)', 'value', 'target', 'met'];
  const cells = lines.map(([a, b, c, d, e]) => [a, b, c, d, e === undefined ? '' : e ? 'yes' : 'NO']);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((row) => String(row[i]).length)));
  const render = (row) =>
    row
      .map((cell, i) => String(cell).padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return `${[render(header), render(widths.map((w) => '-'.repeat(w))), ...cells.map(render)].join('\n')}\n`;
}
