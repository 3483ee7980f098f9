import { describe, expect, it } from 'vitest';
import { isRoot, makeRepo, runCli } from './cli.js';

interface Check {
  name: string;
  status: 'ok' | 'warn' | 'fail';
  detail: string;
  hint?: string;
}

describe.skipIf(!isRoot)('ccbox doctor', () => {
  it('passes on a machine with an engine and a base image', async () => {
    const r = await runCli(['doctor', '--json'], { cwd: makeRepo(1000) });
    const checks = JSON.parse(r.stdout) as Check[];
    expect(checks.find((c) => c.name === 'engine')?.status).toBe('ok');
    expect(checks.find((c) => c.name === 'base image')?.status).toBe('ok');
    expect(r.code).toBe(0);
  });

  it('names a missing base image and how to build it, with exit 1', async () => {
    const r = await runCli(['doctor'], {
      cwd: makeRepo(1000),
      env: { CCBOX_BASE_IMAGE: 'ccbox-test/no-such-base:1' },
    });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/✗ base image\s+ccbox-test\/no-such-base:1 is missing/);
    expect(r.stdout).toMatch(/fix: build it with `sudo ccbox image base`/);
  });

  it('says how to reach an engine when there is none, and checks the CA it is given', async () => {
    const r = await runCli(['doctor'], {
      cwd: makeRepo(1000),
      env: { DOCKER_HOST: 'unix:///nonexistent/docker.sock', CCBOX_EXTRA_CA_CERTS: '/nonexistent/ca.pem' },
    });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/✗ engine/);
    expect(r.stdout).toMatch(/fix: start Docker/);
    expect(r.stdout).toMatch(/✗ ca\s+cannot read \/nonexistent\/ca\.pem/);
  });
});

describe.skipIf(!isRoot)('ccbox run without an engine', () => {
  it('exits 3 and says how to start one, having created nothing', async () => {
    const r = await runCli(['shell', '--plain', '--', 'true'], {
      cwd: makeRepo(1000),
      env: { DOCKER_HOST: 'unix:///nonexistent/docker.sock' },
    });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/✗ engine/);
    expect(r.stderr).toMatch(/hint: /);
  });
});
