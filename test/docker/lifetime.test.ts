import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { ccboxObjects, isRoot, makeRepo, runCli, startCli } from './cli.js';
import { dockerEngine } from './testbed/engines.js';

const waitFor = async <T>(fn: () => Promise<T | undefined>, ms = 120_000): Promise<T> => {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 200));
  }
};

/** The session of the ccbox process `pid` (this host), once its agent container exists. */
const sessionOfPid = async (pid: number): Promise<string | undefined> => {
  const [agent] = await (
    await dockerEngine()
  ).listContainers({
    filters: { label: [`dev.ccbox.owner=${os.hostname()}:${pid}`, 'dev.ccbox.role=shell'] },
  });
  return agent?.Labels['dev.ccbox.session'];
};

describe.skipIf(!isRoot)('session lifetime', () => {
  it('SIGKILL of ccbox mid-session leaves a session that `ccbox gc` removes completely', async () => {
    const repo = makeRepo(1000);
    const child = startCli(['shell', '--plain', '--', 'sleep', '600'], { cwd: repo });
    const pid = child.pid ?? 0;
    const session = await waitFor(() => sessionOfPid(pid));
    expect((await ccboxObjects(session)).containers).toHaveLength(2); // agent and gate
    child.kill('SIGKILL');
    await new Promise((r) => child.on('close', r));
    // Killed without cleanup: the session is still there.
    expect((await ccboxObjects(session)).networks).toHaveLength(1);
    const gc = await runCli(['gc'], { cwd: repo });
    expect(gc.code).toBe(0);
    expect(await ccboxObjects(session)).toEqual({ containers: [], networks: [] });
  });

  it('`ccbox gc` leaves a live session alone', async () => {
    const repo = makeRepo(1000);
    const child = startCli(['shell', '--plain', '--', 'sleep', '600'], { cwd: repo });
    const session = await waitFor(() => sessionOfPid(child.pid ?? 0));
    await runCli(['gc'], { cwd: repo });
    expect((await ccboxObjects(session)).containers).toHaveLength(2);
    child.kill('SIGTERM');
    const code = await new Promise((r) => child.on('close', (c) => r(c)));
    expect(code).toBe(143);
    expect(await ccboxObjects(session)).toEqual({ containers: [], networks: [] });
  });

  it('Ctrl-C (SIGINT) mid-session ends it with 130 and removes everything it created', async () => {
    const repo = makeRepo(1000);
    const child = startCli(['shell', '--plain', '--', 'sleep', '600'], { cwd: repo });
    const session = await waitFor(() => sessionOfPid(child.pid ?? 0));
    child.kill('SIGINT');
    const code = await new Promise((r) => child.on('close', (c) => r(c)));
    expect(code).toBe(130);
    expect(await ccboxObjects(session)).toEqual({ containers: [], networks: [] });
  });
});
