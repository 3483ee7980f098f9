import type { ContainerSpec, MountSpec, Ulimit } from '../engine/engine.js';
import { sessionLabels } from '../engine/engine.js';
import { SECRET_FILES_DIR, type SessionPlan } from '../policy/plan.js';
import type { BindMount, Worktree } from '../workspace/workspace.js';
import { WORKSPACE } from '../workspace/session-git.js';

export const AGENT_HOME = '/home/agent';

export interface AgentSpecInput {
  session: string;
  plan: SessionPlan;
  image: string;
  worktree: Worktree;
  /** Bind mounts on top of /workspace (the session git dir, control paths, masks), parents first. */
  worktreeMounts: readonly BindMount[];
  /** The session's internal network: the agent's only network. */
  network: string;
  command: readonly string[];
  tty: boolean;
  /** The host environment; only the plan's passEnv names (and TERM for a TTY) are read from it. */
  hostEnv: Readonly<Record<string, string | undefined>>;
  /** Path of the extra CA inside the image, when one was baked in. */
  caInImage: string | undefined;
  gitIdentity: { name: string; email: string } | undefined;
  /** Set by the gate wiring (proxy variables, model endpoint). */
  extraEnv?: Readonly<Record<string, string>>;
  extraHosts?: readonly string[];
  ulimits?: readonly Ulimit[];
  /** Host file mounted as /etc/resolv.conf (see RESOLV_CONF). */
  resolvConf: string;
}

/**
 * The agent's resolver: a loopback address where nothing listens. Why not the engine's: Docker and
 * Podman answer outside names on internal networks (a DNS exfiltration path); the agent reaches the
 * gate by address, so it needs no resolver at all.
 */
export const RESOLV_CONF = 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n';

/**
 * The agent container, derived from the plan and nothing else. Why each setting: see DESIGN.md
 * "What must hold even when the agent is fully hostile"; the comments below name the invariant.
 */
export function agentContainerSpec(input: AgentSpecInput): ContainerSpec {
  const { plan, worktree } = input;
  // Invariant 2 (credentials): the environment is built from an allowlist; nothing else of the host.
  const env: Record<string, string> = {
    HOME: AGENT_HOME,
    USER: 'agent',
    LOGNAME: 'agent',
    CCBOX_SESSION: input.session,
    CCBOX_POLICY: plan.policyVersion,
  };
  for (const name of plan.container.passEnv) {
    const value = input.hostEnv[name];
    if (value !== undefined) env[name] = value;
  }
  if (input.tty) {
    env.TERM = input.hostEnv.TERM ?? 'xterm-256color';
    if (input.hostEnv.COLORTERM !== undefined) env.COLORTERM = input.hostEnv.COLORTERM;
  }
  if (input.caInImage !== undefined) env.NODE_EXTRA_CA_CERTS = input.caInImage;
  if (input.gitIdentity) {
    env.GIT_AUTHOR_NAME = input.gitIdentity.name;
    env.GIT_COMMITTER_NAME = input.gitIdentity.name;
    env.GIT_AUTHOR_EMAIL = input.gitIdentity.email;
    env.GIT_COMMITTER_EMAIL = input.gitIdentity.email;
  }
  Object.assign(env, input.extraEnv);

  const tmpfsBytes = plan.container.resources.tmpfsBytes;
  const mounts: MountSpec[] = [
    // Invariant: the worktree is the one writable bind mount.
    { type: 'bind', source: worktree.root, target: WORKSPACE, readOnly: false },
    ...plan.container.mounts.map((m): MountSpec => ({
      type: 'bind',
      source: m.source,
      target: m.target,
      readOnly: true,
    })),
    ...input.worktreeMounts.map((m): MountSpec => ({ type: 'bind', ...m })),
    { type: 'bind', source: input.resolvConf, target: '/etc/resolv.conf', readOnly: true },
    { type: 'tmpfs', target: '/tmp', options: { sizeBytes: tmpfsBytes, mode: 0o1777, exec: true } },
    {
      type: 'tmpfs',
      target: AGENT_HOME,
      options: { sizeBytes: tmpfsBytes, mode: 0o700, uid: worktree.uid, gid: worktree.gid, exec: true },
    },
    // Credential files (credentials.secrets, deliver: file): a small tmpfs of their own, the agent's
    // alone, so a value never reaches a disk and goes with the container (session/credential-files.ts).
    ...((plan.credentials.secrets ?? []).some((s) => s.deliver === 'file')
      ? [
          {
            type: 'tmpfs' as const,
            target: SECRET_FILES_DIR,
            options: { sizeBytes: 1024 * 1024, mode: 0o700, uid: worktree.uid, gid: worktree.gid },
          },
        ]
      : []),
  ];

  return {
    name: `ccbox-${input.session}-agent`,
    image: input.image,
    cmd: [...input.command],
    env,
    // Never root: the worktree's owner, so files the agent writes belong to the user.
    user: `${worktree.uid}:${worktree.gid}`,
    workingDir: WORKSPACE,
    hostname: 'ccbox',
    labels: sessionLabels(input.session, 'agent', plan.policyVersion),
    tty: input.tty,
    openStdin: true,
    mounts,
    // Invariant 3 (policy): settings and hooks live on a read-only root the agent cannot change.
    readOnlyRootfs: true,
    capDrop: ['ALL'],
    securityOpt: ['no-new-privileges'],
    // Invariant 1 (network): one internal network; the resolver points nowhere because the engine's
    // embedded DNS forwards outside names from internal networks (shared/reference/engines.md).
    network: { name: input.network },
    dns: ['127.0.0.1'],
    dnsOptions: ['timeout:1', 'attempts:1'],
    ...(input.extraHosts ? { extraHosts: input.extraHosts } : {}),
    resources: {
      memoryBytes: plan.container.resources.memoryBytes,
      nanoCpus: plan.container.resources.nanoCpus,
      pidsLimit: plan.container.resources.pidsLimit,
    },
    ...(input.ulimits ? { ulimits: input.ulimits } : {}),
    init: true,
  };
}
