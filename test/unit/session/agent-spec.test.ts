import { describe, expect, it } from 'vitest';
import { compile } from '../../../src/policy/compile/compile.js';
import { loadProfile } from '../../../src/profile/load.js';
import { agentContainerSpec, type AgentSpecInput } from '../../../src/session/agent-spec.js';
import { loadOptions } from '../profile/helpers.js';

// The agent container as a value: each invariant the real-engine suites attack is also pinned here, so
// a change to the spec fails in seconds and names the setting.

function input(overrides: Partial<AgentSpecInput> = {}, tier = 'low-risk'): AgentSpecInput {
  const plan = compile(loadProfile(tier, loadOptions()).profile);
  return {
    session: 'abc123',
    plan: { ...plan, container: { ...plan.container, passEnv: ['LANG', 'MISSING'] } },
    image: 'ccbox/agent:test',
    worktree: { root: '/home/u/repo', uid: 1234, gid: 1235, repository: '/home/u/repo' },
    worktreeMounts: [
      { source: '/home/u/repo/.git/ccbox/abc123/git', target: '/workspace/.git', readOnly: false },
    ],
    network: 'ccbox-abc123-internal',
    command: ['bash', '-c', 'true'],
    tty: false,
    hostEnv: {
      LANG: 'C.UTF-8',
      ANTHROPIC_API_KEY: 'sk-host-secret',
      AWS_SECRET_ACCESS_KEY: 'host-aws',
      TERM: 'screen',
      HOME: '/root',
    },
    caInImage: undefined,
    gitIdentity: undefined,
    resolvConf: '/state/abc123/resolv.conf',
    ...overrides,
  };
}

describe('agentContainerSpec', () => {
  it('passes only the allowlisted host variables: no key, no cloud secret, not the host HOME', () => {
    const spec = agentContainerSpec(input());
    expect(spec.env).toMatchObject({
      HOME: '/home/agent',
      USER: 'agent',
      LANG: 'C.UTF-8',
      CCBOX_SESSION: 'abc123',
    });
    expect(spec.env).not.toHaveProperty('MISSING');
    expect(JSON.stringify(spec)).not.toMatch(/sk-host-secret|host-aws|\/root/);
    // TERM only for a TTY.
    expect(spec.env).not.toHaveProperty('TERM');
    expect(agentContainerSpec(input({ tty: true })).env).toMatchObject({ TERM: 'screen' });
  });

  it('has one network, a resolver that points nowhere, and no engine DNS upstream', () => {
    const spec = agentContainerSpec(input());
    expect(spec.network).toEqual({ name: 'ccbox-abc123-internal' });
    expect(spec).not.toHaveProperty('extraNetworks');
    // Without Dns the engine's embedded resolver forwards outside names (CVE-2024-29018).
    expect(spec.dns).toEqual(['127.0.0.1']);
    expect(spec.dnsOptions).toEqual(['timeout:1', 'attempts:1']);
    expect(spec.mounts).toContainEqual({
      type: 'bind',
      source: '/state/abc123/resolv.conf',
      target: '/etc/resolv.conf',
      readOnly: true,
    });
  });

  it('never runs as root, drops every capability and keeps the root read-only', () => {
    const spec = agentContainerSpec(input());
    expect(spec.user).toBe('1234:1235');
    expect(spec.capDrop).toEqual(['ALL']);
    expect(spec.securityOpt).toEqual(['no-new-privileges']);
    expect(spec.readOnlyRootfs).toBe(true);
    expect(spec.init).toBe(true);
    expect(spec).not.toHaveProperty('privileged');
  });

  it('mounts the worktree as the one writable bind, then the worktree mounts in order, with nothing of the engine', () => {
    const spec = agentContainerSpec(input());
    const binds = spec.mounts?.filter((m) => m.type === 'bind') ?? [];
    expect(binds[0]).toEqual({ type: 'bind', source: '/home/u/repo', target: '/workspace', readOnly: false });
    const writable = binds.filter((m) => m.type === 'bind' && !m.readOnly).map((m) => m.target);
    expect(writable).toEqual(['/workspace', '/workspace/.git']);
    expect(JSON.stringify(spec.mounts)).not.toMatch(/docker\.sock|podman\.sock/);
    expect(spec.mounts?.filter((m) => m.type === 'tmpfs').map((m) => m.target)).toEqual([
      '/tmp',
      '/home/agent',
    ]);
  });

  it('takes limits from the plan and labels from the session', () => {
    const i = input({}, 'regulated');
    const spec = agentContainerSpec(i);
    expect(spec.resources).toEqual({
      memoryBytes: i.plan.container.resources.memoryBytes,
      nanoCpus: i.plan.container.resources.nanoCpus,
      pidsLimit: i.plan.container.resources.pidsLimit,
    });
    expect(spec.labels).toMatchObject({ 'dev.ccbox.session': 'abc123', 'dev.ccbox.role': 'agent' });
    expect(spec.name).toBe('ccbox-abc123-agent');
  });
});
