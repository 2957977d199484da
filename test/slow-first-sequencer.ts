import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The files that take longest, longest first. Vitest orders files by their last recorded durations,
 * which a fresh clone (CI) does not have: it would then start these small files last, and the
 * crash suites alone would set the suite's wall time. Started first, the short files fill the other
 * workers around them.
 */
const SLOWEST = [
  'crash-duckdb',
  'crash-postgres',
  'sync-duckdb',
  'faults.test',
  'hostile-records',
  'destination-failures',
  'sync-postgres',
  'secrets.test',
  'hostile-responses',
  'resume-reads',
  'cli-commands',
  'serve-duckdb',
];

const rank = (spec: TestSpecification): number => {
  const index = SLOWEST.findIndex((name) => spec.moduleId.includes(`/e2e/${name}`));
  return index < 0 ? SLOWEST.length : index;
};

export default class SlowFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    // Stable: the rest keep the base order.
    return sorted
      .map((spec, index) => ({ spec, index }))
      .sort((a, b) => rank(a.spec) - rank(b.spec) || a.index - b.index)
      .map(({ spec }) => spec);
  }
}
