import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ccboxObjects, isRoot, makeRepo, runCli, startCli } from './cli.js';

const waitFor = async <T>(fn: () => T | undefined, ms = 120_000): Promise<T> => {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 200));
  }
};

const sessionOfPid = (pid: number): string | undefined => {
  const out = execFileSync(
    'docker',
    [
      'ps',
      '--filter',
      `label=dev.ccbox.owner`,
      '--filter',
      'label=dev.ccbox.role=shell',
      '--format',
      '{{.Label "dev.ccbox.session"}} {{.Label "dev.ccbox.owner"}}',
    ],
    { encoding: 'utf8' },
  );
  return out
    .split('\n')
    .map((l) => l.split(' '))
    .find(([, owner]) => owner?.endsWith(`:${pid}`))?.[0];
};

describe.skipIf(!isRoot)('session lifetime', () => {
  it('SIGKILL of ccbox mid-session leaves a session that `ccbox gc` removes completely', async () => {
    const repo = makeRepo(1000);
    const child = startCli(['shell', '--plain', '--', 'sleep', '600'], { cwd: repo });
    const pid = child.pid ?? 0;
    const session = await waitFor(() => sessionOfPid(pid));
    expect(ccboxObjects(session).containers).toHaveLength(2); // agent and gate
    child.kill('SIGKILL');
    await new Promise((r) => child.on('close', r));
    // Killed without cleanup: the session is still there.
    expect(ccboxObjects(session).networks).toHaveLength(1);
    const gc = await runCli(['gc'], { cwd: repo });
    expect(gc.code).toBe(0);
    expect(ccboxObjects(session)).toEqual({ containers: [], networks: [] });
  });

  it('`ccbox gc` leaves a live session alone', async () => {
    const repo = makeRepo(1000);
    const child = startCli(['shell', '--plain', '--', 'sleep', '600'], { cwd: repo });
    const session = await waitFor(() => sessionOfPid(child.pid ?? 0));
    await runCli(['gc'], { cwd: repo });
    expect(ccboxObjects(session).containers).toHaveLength(2);
    child.kill('SIGTERM');
    const code = await new Promise((r) => child.on('close', (c) => r(c)));
    expect(code).toBe(143);
    expect(ccboxObjects(session)).toEqual({ containers: [], networks: [] });
  });

  it('Ctrl-C (SIGINT) mid-session ends it with 130 and removes everything it created', async () => {
    const repo = makeRepo(1000);
    const child = startCli(['shell', '--plain', '--', 'sleep', '600'], { cwd: repo });
    const session = await waitFor(() => sessionOfPid(child.pid ?? 0));
    child.kill('SIGINT');
    const code = await new Promise((r) => child.on('close', (c) => r(c)));
    expect(code).toBe(130);
    expect(ccboxObjects(session)).toEqual({ containers: [], networks: [] });
  });
});
