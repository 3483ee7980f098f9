import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRoot, makeRepo, runCli } from './cli.js';
import { dnsProbe, resolvableOutsideName, SUBNET_GATEWAY } from './dns-probe.js';
import { containerIds, networkIds, podmanEngine } from './testbed/engines.js';
import { createOutsideNetwork } from './testbed/outside-network.js';
import { testRun } from './testbed/run.js';

// The same sandbox on Podman, through its Docker-compatible socket: .ci/run starts the service and sets
// CCBOX_TEST_PODMAN_SOCKET (without it this suite is skipped). The gate's outbound network is a Podman
// network of this run that is itself internal, so nothing leaves the machine here either.

const SOCKET = process.env.CCBOX_TEST_PODMAN_SOCKET ?? '';

describe.skipIf(!isRoot || SOCKET === '')('ccbox on Podman', () => {
  const engine = podmanEngine(SOCKET);
  let gateNetwork = '';
  beforeAll(async () => {
    // Why its own internal network: the test gate's outbound network must not route off the machine.
    ({ name: gateNetwork } = await createOutsideNetwork(engine, testRun()));
  });
  // The global teardown removes it too, should this not run.
  afterAll(() => engine.getNetwork(gateNetwork).remove());

  it('runs the agent as the worktree owner behind the gate, with nothing of the session left after', async () => {
    const repo = makeRepo(1234);
    // aardvark-dns answers outside names on internal networks by asking the host's resolver: asked
    // directly, at the network's gateway address, it must not answer a name the host resolves.
    const outside = await resolvableOutsideName();
    const script = [
      'id -u',
      `echo "aardvark at ${SUBNET_GATEWAY}"`,
      `${dnsProbe(SUBNET_GATEWAY, outside)} | sed 's/^/aardvark: /'`,
      'echo made > made-on-podman.txt',
      'grep ^CapEff /proc/self/status',
      'cat /etc/resolv.conf',
      'touch /etc/x 2>/dev/null && echo ROOT-WRITABLE',
      "curl -s -m 10 -o /dev/null -w 'gate=%{http_code}\\n' http://example.com/",
      "curl -s -m 5 --noproxy '*' http://example.com/ && echo DIRECT-OK",
      // The session git dir and the pinned ancestors work on Podman too.
      'git add made-on-podman.txt && git commit -qm on-podman && echo COMMITTED',
      '(mv .github .github-old) 2>/dev/null && echo RENAMED',
      'echo done',
    ].join('; ');
    const r = await runCli(['shell', '--plain', '--profile', 'low-risk', '--', 'bash', '-c', script], {
      cwd: repo,
      env: { DOCKER_HOST: `unix://${SOCKET}`, CCBOX_GATE_NETWORK: gateNetwork },
    });
    expect(r.stderr).not.toMatch(/✗|error/i);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/✓ engine\s+podman /);
    const session = /session ([0-9a-f]+)/.exec(r.stderr)?.[1] ?? 'none';
    expect(r.stdout).toMatch(/^1234$/m);
    expect(r.stdout).toMatch(/^CapEff:\s+0+$/m);
    expect(r.stdout).toMatch(/^nameserver 127\.0\.0\.1$/m);
    expect(r.stdout).toContain('gate=403');
    expect(r.stdout).toMatch(/^aardvark: DNS-NO-ANSWER/m);
    expect(r.stdout).toContain('done');
    expect(r.stdout).not.toMatch(/ROOT-WRITABLE|DIRECT-OK|RENAMED/);
    expect(r.stdout).toContain('COMMITTED');
    expect(r.stderr).toMatch(/git {2}1 commit landed on main/);
    expect(
      execFileSync('git', ['-c', 'safe.directory=*', 'log', '--format=%s', '-1'], {
        cwd: repo,
        encoding: 'utf8',
      }).trim(),
    ).toBe('on-podman');
    const st = statSync(path.join(repo, 'made-on-podman.txt'));
    expect([st.uid, st.gid]).toEqual([1234, 1234]);
    const filter = [`dev.ccbox.session=${session}`];
    expect(await containerIds(engine, filter)).toEqual([]);
    expect(await networkIds(engine, filter)).toEqual([]);
  });
});
