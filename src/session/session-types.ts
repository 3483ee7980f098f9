import type { ContainerHandle, Engine, NetworkRef } from '../engine/engine.js';
import type { SessionEventSink } from './events.js';
import type { SessionPlan } from '../policy/plan.js';
import type { LoadOptions } from '../profile/load.js';
import type { SessionClone, Worktree } from '../workspace/workspace.js';
import type { BinarySource } from '../image/binaries.js';
import type { SubnetPool } from './subnet-pool.js';

export interface SessionRequest {
  profileRef: string;
  /** Where compiled plans are cached (keyed by the exact bytes of the profile files). */
  planCacheDir: string;
  /** ccbox's version: a new ccbox never reuses an old ccbox's plan. */
  version: string;
  loadOptions: LoadOptions;
  cwd: string;
  home: string;
  hostEnv: Readonly<Record<string, string | undefined>>;
  /** `--worktree`: work in a fresh clone on branch ccbox/<session>. */
  worktreeMode: boolean;
  /** What runs in the container: Claude Code with its arguments, or a shell command. */
  command: readonly string[];
  role: 'agent' | 'shell';
  tty: boolean;
  baseImage: string | undefined;
  caFile: string | undefined;
  /** Where --worktree clones live. */
  worktreesDir: string;
  /** An empty directory ccbox owns, mounted read-only as the stand-in for masked or missing paths. */
  emptyDir: string;
  /** `host:pid` of this ccbox process, labelled on everything so `ccbox gc` can tell a crashed session. */
  owner: string;
  /** Where sessions keep their gate policy and audit log (a host folder only the gate mounts). */
  sessionsDir: string;
  /** The network the gate reaches the world through; default the engine's default bridge. */
  gateNetwork: string | undefined;
  /** The model endpoint the gate relays to. */
  modelUpstream: string;
  /** Where the session's internal network takes its subnet from (ccbox's pool); absent: the default pool. */
  subnets?: SubnetPool;
  /** A shorter lifetime for the agent's model tokens than the tier's (never a longer one). */
  tokenTtlSeconds?: number | undefined;
  signal?: AbortSignal;
}

export interface SessionDeps {
  /** Connects to the engine (lazily, so bad input fails before the engine is even needed). */
  connect: () => Promise<Engine>;
  binaries: BinarySource;
  onEvent: SessionEventSink;
  now?: () => number;
}

/** A session whose container exists (created, not started). Dispose removes everything it created. */
export interface PreparedSession extends AsyncDisposable {
  id: string;
  gate: { container: ContainerHandle; address: string; auditDir: string; mode: string };
  plan: SessionPlan;
  worktree: Worktree;
  clone: SessionClone | undefined;
  image: string;
  network: NetworkRef;
  container: ContainerHandle;
  /** Starts the agent container. Use this, not `container.start()`: the end of the session depends on it. */
  start(): Promise<void>;
  dispose(): Promise<string[]>;
}
