import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url);
const dockerfile = readFileSync(new URL('Dockerfile', root), 'utf8');
const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as {
  version: string;
  bin: Record<string, string>;
};

function instructions(name: string): string[] {
  return dockerfile
    .split('\n')
    .filter((line) => line.startsWith(`${name} `))
    .map((line) => line.slice(name.length + 1));
}

// No Docker engine here: these checks keep the image's contract with the platform from drifting.
describe('Airbyte source image (Dockerfile)', () => {
  it('labels the image with its name and the package version', () => {
    const labels = instructions('LABEL');
    expect(labels).toContain('io.airbyte.name=airbyte/source-cio-sync');
    expect(labels).toContain(`io.airbyte.version=${pkg.version}`);
  });

  it('enters `cio-sync airbyte` through the built bin, and says so in AIRBYTE_ENTRYPOINT', () => {
    const bin = pkg.bin['cio-sync'];
    const entrypoint = JSON.parse(instructions('ENTRYPOINT').at(-1) ?? '[]') as string[];
    expect(entrypoint).toEqual(['node', `/airbyte/integration_code/${bin}`, 'airbyte']);
    const env = instructions('ENV').find((line) => line.startsWith('AIRBYTE_ENTRYPOINT='));
    expect(env).toBe(`AIRBYTE_ENTRYPOINT="${entrypoint.join(' ')}"`);
  });

  it('builds on the Node major the package supports', () => {
    const engines = (
      JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { engines: { node: string } }
    ).engines.node;
    for (const from of instructions('FROM')) expect(from).toMatch(/^node:20[-.]/);
    expect(engines).toMatch(/^>=20/);
  });
});
