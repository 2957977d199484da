/**
 * The layer rule of docs/architecture.md: a module imports only from its own layer or the layers
 * below it. Top first; `src/index.ts` (the public library API) sits above them all.
 */
const LAYERS = ['cli', 'protocols', 'serve', 'destinations', 'engine', 'config', 'streams', 'api', 'core'];

const upward = LAYERS.slice(1).map((layer, i) => ({
  name: `no-upward-from-${layer}`,
  comment: `${layer}/ may import only from ${LAYERS.slice(i + 2).join(', ') || 'nothing in the project'} (and itself)`,
  severity: 'error',
  from: { path: `^src/${layer}/` },
  to: { path: `^src/(${LAYERS.slice(0, i + 1).join('|')}|index\\.ts$)` },
}));

module.exports = {
  forbidden: [
    ...upward,
    {
      name: 'core-imports-nothing',
      comment: 'core/ is the bottom: it imports nothing from the project',
      severity: 'error',
      from: { path: '^src/core/' },
      to: { path: '^src/', pathNot: '^src/core/' },
    },
    {
      name: 'sim-is-independent',
      comment:
        'the simulator imports nothing from the connector, so a misreading in one cannot hide in the other',
      severity: 'error',
      from: { path: '^src/sim/' },
      to: { path: '^src/', pathNot: '^src/sim/' },
    },
    {
      name: 'only-cli-starts-the-sim',
      comment: 'the connector reaches the simulator only through the CLI (demo, sim) and the library API',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/(sim|cli)/', '^src/index\\.ts$'] },
      to: { path: '^src/sim/' },
    },
    {
      name: 'sim-world-below-http',
      comment: 'the seeded world knows nothing of HTTP; the HTTP layer serves the world',
      severity: 'error',
      from: { path: '^src/sim/world/' },
      to: { path: '^src/sim/(http/|index\\.ts$)' },
    },
    {
      name: 'shared-sql-knows-no-engine',
      comment: 'engine-specific SQL lives in the engine folders; the shared SQL sink talks to a dialect',
      severity: 'error',
      from: { path: '^src/destinations/sql/' },
      to: { path: '^src/destinations/(duckdb|postgres)/' },
    },
    {
      name: 'engines-know-no-other-engine',
      comment: 'each engine folder stands alone: what two engines share belongs in destinations/sql/',
      severity: 'error',
      from: { path: '^src/destinations/(duckdb|postgres)/' },
      to: { path: '^src/destinations/(duckdb|postgres)/', pathNot: '^src/destinations/$1/' },
    },
    {
      name: 'engines-only-through-the-registry',
      comment:
        'the rest of the program reaches an engine through destinations/registry.ts, by the parsed destination',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/destinations/' },
      to: { path: '^src/destinations/(duckdb|postgres)/' },
    },
    {
      name: 'protocols-shared-knows-no-protocol',
      comment: 'pieces shared by Singer and Airbyte depend on neither',
      severity: 'error',
      from: { path: '^src/protocols/shared/' },
      to: { path: '^src/protocols/(singer|airbyte)/' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
    },
  },
};
