import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const read = (path: string) => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');
const manifest = JSON.parse(read('package.json')) as {
  license: string;
  engines: { node: string };
  scripts: Record<string, string>;
};

describe('the package a checkout makes (npm pack)', () => {
  it('holds the built CLI, the README and the LICENSE, and no source map pointing at absent sources', () => {
    // --ignore-scripts: lists what the current dist/ (built before the tests) would give, without a rebuild.
    const packed = JSON.parse(
      execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
        cwd: root,
        encoding: 'utf8',
      }),
    ) as { files: { path: string }[] }[];
    const files = packed[0]!.files.map((file) => file.path);
    expect(files).toEqual(
      expect.arrayContaining(['LICENSE', 'README.md', 'dist/bin/main.js', 'dist/index.js']),
    );
    expect(
      files.filter(
        (path) => path.endsWith('.map') || !/^(dist\/|LICENSE$|README\.md$|package\.json$)/.test(path),
      ),
    ).toEqual([]);
    const withMapComment = files
      .filter((path) => path.endsWith('.js'))
      .filter((path) => read(path).includes('sourceMappingURL'));
    expect(withMapComment).toEqual([]);
  });

  it('builds nothing when installed, and says which Node lines it supports', () => {
    for (const hook of ['preinstall', 'install', 'postinstall', 'prepare']) {
      expect(manifest.scripts, hook).not.toHaveProperty(hook);
    }
    expect(manifest.scripts.prepack).toBe('npm run build');
    // CI runs the build and the end-to-end tests on 20, 22 and 24 (.ci/run).
    expect(manifest.engines.node).toBe('>=20.19');
    expect(read('README.md')).toContain('Node.js 20.19 or later');
    expect(read('.ci/run')).toMatch(/for version in 22 24; do/);
    // The Airbyte image builds dist/ itself, before dropping the build tools.
    expect(read('Dockerfile')).toMatch(/^RUN npm ci [^\n]*&& npm run build && npm prune --omit=dev$/m);
  });

  it('is MIT licensed in the LICENSE file too, and the README installs from the checkout', () => {
    expect(manifest.license).toBe('MIT');
    expect(read('LICENSE')).toMatch(/^MIT License\n/);
    const readme = read('README.md');
    expect(readme).not.toMatch(/npm install -g cio-sync/);
    expect(readme).toContain('npm install -g .');
    expect(readme).toContain('npm install -g ./cio-sync-0.1.0.tgz');
  });
});
