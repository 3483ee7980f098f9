import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../../../src/paths.js';

// The test bed's own rules, checked on the source: fixtures come from testcontainers (never the docker
// or podman CLI, whose output format and exit codes the tests would then depend on), and ccbox's own
// Engine API client is used only by the tests of that client, never to set a fixture up.

const root = packageRoot();

function files(dir: string): string[] {
  return readdirSync(path.join(root, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.(ts|tsx|js|mjs)$/.test(e.name))
    .map((e) => path.relative(root, path.join(e.parentPath, e.name)));
}

/** A spawn-family call whose program is the docker or podman CLI, or a shell line that starts with it. */
const ENGINE_CLI = [
  /\b(?:exec|execSync|execFile|execFileSync|spawn|spawnSync|execa|execaSync|execaNode)\s*\(\s*['"`](?:docker|podman)['"`\s]/,
  /['"`](?:sudo\s+)?(?:docker|podman)\s+(?:run|ps|rm|rmi|network|logs|inspect|exec|kill|events|build|create|volume|image|pull|start|stop|save|load|tag)\b/,
];

/** Test files that test ccbox's engine client itself (or the session that drives it), with why. */
const ENGINE_CLIENT_TESTS = new Set([
  'test/docker/claude.test.ts', // prepareSession is under test and takes the engine it drives
  'test/docker/engine-base-image.test.ts',
  'test/docker/engine-container.test.ts',
  'test/docker/engine-sessions.test.ts',
  'test/docker/engine-units.test.ts',
  'test/docker/engine.test.ts',
  'test/docker/image-gc.test.ts', // removeUnusedImages over the engine client
  'test/docker/subnets.test.ts', // the engine client's subnet listing and its overlap refusal
]);

describe('the test bed', () => {
  it('no test spawns the docker or podman CLI (the benchmark that times `docker run` aside)', () => {
    const offenders = files('test')
      .filter((f) => !f.startsWith(`test${path.sep}bench${path.sep}`))
      .filter((f) => f !== path.join('test', 'unit', 'lint', 'test-bed.test.ts'))
      .filter((f) => ENGINE_CLI.some((re) => re.test(readFileSync(path.join(root, f), 'utf8'))));
    expect(offenders).toEqual([]);
  });

  it('the rule above fires on each way a test could spawn the CLI', () => {
    for (const line of [
      "execFileSync('docker', ['ps'])",
      'spawn("podman", ["network", "ls"])',
      "execFileSync('bash', ['-c', 'docker network create x'])",
      'await execa`docker rm -f x`',
    ])
      expect(
        ENGINE_CLI.some((re) => re.test(line)),
        line,
      ).toBe(true);
  });

  it('fixtures never come from ccbox’s own Engine API client; only its own tests import it', () => {
    const engineClient = /from\s+['"][./]*src\/(?:docker\/|session\/engine\.js)/;
    const offenders = [...files('test/docker'), ...files('test/e2e')]
      .filter((f) => engineClient.test(readFileSync(path.join(root, f), 'utf8')))
      .filter((f) => !ENGINE_CLIENT_TESTS.has(f.split(path.sep).join('/')));
    expect(offenders).toEqual([]);
  });
});
