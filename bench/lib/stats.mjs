// Medians over repeated runs: the machine is shared, so single runs are noisy.

export function median(values) {
  const sorted = values.filter((v) => typeof v === 'number' && Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return undefined;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The median of each numeric field across runs (fields that are not numbers are left out). */
export function medianOf(runs) {
  const out = {};
  for (const key of Object.keys(runs[0] ?? {})) {
    if (typeof runs[0][key] === 'number') out[key] = median(runs.map((run) => run[key]));
  }
  return out;
}

export const round = (value, digits = 2) =>
  value === undefined ? undefined : Math.round(value * 10 ** digits) / 10 ** digits;
