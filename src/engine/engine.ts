import type { Readable, Writable } from 'node:stream';
import type { Labels } from './labels.js';

/**
 * The container engine as the session layer sees it. src/docker implements it over the Engine API; nothing
 * here names a wire type, so the session can be tested with a fake and the client can be swapped.
 */

// The label vocabulary is part of what the session layer and the adapter agree on.
export {
  LABEL_BASE,
  LABEL_IMAGE,
  LABEL_OWNER,
  LABEL_POLICY,
  LABEL_ROLE,
  LABEL_SESSION,
  LABEL_WORKTREE,
  sessionLabels,
  type Labels,
  type SessionRole,
} from './labels.js';

export interface EngineInfo {
  kind: 'docker' | 'podman';
  version: string;
  apiVersion: string;
  os: string;
  arch: string;
  /** True when the engine runs without root (rootless Docker or Podman). */
  rootless: boolean;
}

// Image types live in engine-images.ts; re-exported so the engine interface stays one import.
export type {
  BuildContextEntry,
  BuildProgress,
  BuildImageOptions,
  ImageSummary,
  ListedImage,
  RootfsSource,
  ImportRootfsOptions,
} from './images.js';
import type { BuildImageOptions, ImageSummary, ImportRootfsOptions, ListedImage } from './images.js';

export interface NetworkSpec {
  name: string;
  /** No route out and no gateway: the agent's only network. */
  internal: boolean;
  labels: Labels;
  /** The IPv4 subnet to use (from ccbox's pool); absent lets the engine take one of its default pools. */
  ipv4?: { subnet: string; gateway: string };
}

export interface NetworkRef {
  id: string;
  name: string;
  /** The IPv4 subnet ccbox asked for, when it chose one. */
  subnet?: string;
}

export type MountSpec =
  | { type: 'bind'; source: string; target: string; readOnly: boolean }
  | { type: 'tmpfs'; target: string; options?: TmpfsOptions };

/**
 * tmpfs mounts are always nosuid,nodev; `exec` defaults to false. When the target exists in the image,
 * Docker copies that directory's contents and mode into the tmpfs, so `mode` only applies to new targets.
 */
export interface TmpfsOptions {
  sizeBytes?: number;
  /** Octal permission bits, e.g. 0o1777. */
  mode?: number;
  uid?: number;
  gid?: number;
  exec?: boolean;
}

export interface NetworkAttachment {
  name: string;
  aliases?: readonly string[];
}

export interface Ulimit {
  name: string;
  soft: number;
  hard: number;
}

export interface ContainerSpec {
  name: string;
  image: string;
  cmd?: readonly string[];
  entrypoint?: readonly string[];
  env?: Readonly<Record<string, string>>;
  /** `uid:gid`; the adapter never defaults it to root. */
  user?: string;
  workingDir?: string;
  hostname?: string;
  /** Must carry LABEL_SESSION: the adapter refuses to create an object `gc` could not find. */
  labels: Labels;
  tty?: boolean;
  /** Keep stdin open for `attach`; ending the attached stdin closes it (as `docker run -i`). */
  openStdin?: boolean;
  mounts?: readonly MountSpec[];
  readOnlyRootfs?: boolean;
  capDrop?: readonly string[];
  capAdd?: readonly string[];
  /** e.g. `no-new-privileges`; the engine's default seccomp profile stays in place. */
  securityOpt?: readonly string[];
  /** Primary network; absent means no network at all (fail closed). */
  network?: NetworkAttachment;
  /** Connected after create, before start. */
  extraNetworks?: readonly NetworkAttachment[];
  dns?: readonly string[];
  dnsOptions?: readonly string[];
  /** `name:address` entries for /etc/hosts. */
  extraHosts?: readonly string[];
  resources?: { memoryBytes?: number; nanoCpus?: number; pidsLimit?: number };
  /** Absent: engine defaults (on Podman, limits within this kind of host's hard limits). */
  ulimits?: readonly Ulimit[];
  /** Run a minimal init as PID 1 that reaps zombies and forwards signals. */
  init?: boolean;
  stopSignal?: string;
}

export interface ExecOptions {
  user?: string;
  env?: Readonly<Record<string, string>>;
  workingDir?: string;
  /** Written to the process's stdin, which is then closed. */
  stdin?: Buffer | string;
  signal?: AbortSignal;
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface MountInfo {
  type: string;
  source: string;
  target: string;
  readOnly: boolean;
}

export interface ContainerInspect {
  id: string;
  name: string;
  image: string;
  state: 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';
  running: boolean;
  exitCode: number;
  oomKilled: boolean;
  /** Address per network name (empty string when the engine assigned none). */
  ipAddresses: Record<string, string>;
  mounts: MountInfo[];
  /** tmpfs target → mount options as the engine recorded them. */
  tmpfs: Record<string, string>;
  user: string;
  readOnlyRootfs: boolean;
  /** Upper-case names without `CAP_`; Podman lists dropped capabilities one by one instead of `ALL`. */
  capDrop: string[];
  capAdd: string[];
  securityOpt: string[];
  dns: string[];
  labels: Record<string, string>;
  tty: boolean;
  resources: { memoryBytes: number; nanoCpus: number; pidsLimit: number };
}

export interface AttachOptions {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
}

/** Streams of an attached container. With a TTY the engine merges stderr into stdout. */
export interface AttachedStreams {
  stdin: Writable | undefined;
  stdout: Readable;
  stderr: Readable;
  /** Detaches (closes the connection); the container keeps running. */
  close(): void;
}

export interface LogsOptions {
  tail?: number;
  /** Unix seconds. */
  since?: number;
}

/** A created container. Handles are cheap views on an id; `await using` removes the container. */
export interface ContainerHandle extends AsyncDisposable {
  readonly id: string;
  readonly name: string;
  start(): Promise<void>;
  /** Resolves with the exit code once the container stops; call after `start`. */
  wait(signal?: AbortSignal): Promise<number>;
  /** No-op when the container is not running. */
  kill(signal?: string): Promise<void>;
  /** No-op when the container is already gone. */
  remove(options?: { force?: boolean }): Promise<void>;
  exec(cmd: readonly string[], options?: ExecOptions): Promise<ExecResult>;
  logs(options?: LogsOptions): Promise<{ stdout: string; stderr: string }>;
  inspect(): Promise<ContainerInspect>;
  /** Attach before `start` so no output is lost. */
  attach(options: AttachOptions): Promise<AttachedStreams>;
  resize(rows: number, cols: number): Promise<void>;
  connectNetwork(network: string, aliases?: readonly string[]): Promise<void>;
}

export interface SessionContainer {
  id: string;
  name: string;
  role: string;
  state: string;
  running: boolean;
}

export interface SessionSummary {
  id: string;
  policyVersion: string | undefined;
  containers: SessionContainer[];
  networks: NetworkRef[];
  /** `host:pid` of the owning ccbox process (LABEL_OWNER), when labelled. */
  owner?: string | undefined;
  /** No container of the session is running: its ccbox process is gone. */
  orphaned: boolean;
  /** The worktree its agent writes (LABEL_WORKTREE), when labelled. */
  worktree?: string | undefined;
}

export interface GcOptions {
  /** Limit to these session ids; absent means every ccbox session. */
  sessions?: readonly string[];
  onlyOrphaned?: boolean;
}

export interface GcResult {
  sessions: string[];
  containers: string[];
  networks: string[];
  /** Objects that could not be removed, with the reason. */
  failed: { kind: 'container' | 'network'; name: string; message: string }[];
}

/** The engine. Every method throws CcboxError (engineUnavailable, imageBuildFailed or sandboxFailed). */
export interface Engine {
  ping(): Promise<void>;
  info(): Promise<EngineInfo>;
  imageExists(tag: string): Promise<boolean>;
  inspectImage(tag: string): Promise<ImageSummary | undefined>;
  /** Never pulls: every `FROM` and `COPY --from` image must exist locally. */
  buildImage(options: BuildImageOptions): Promise<{ imageId: string }>;
  importRootfs(options: ImportRootfsOptions): Promise<{ imageId: string }>;
  /** Returns false when there was no such image. */
  removeImage(tag: string, options?: { force?: boolean }): Promise<boolean>;
  /** Local images carrying `label` (`key` or `key=value`), each with whether a container uses it. */
  listImages(label: string): Promise<ListedImage[]>;
  /** Throws NETWORK_SUBNET_TAKEN when the engine refuses `spec.ipv4` as overlapping one it has. */
  createNetwork(spec: NetworkSpec): Promise<NetworkRef>;
  /** The subnets of every network the engine has (not only ccbox's), IPv4 and IPv6 as CIDR text. */
  listNetworkSubnets(): Promise<string[]>;
  /** No-op when the network is already gone. */
  removeNetwork(idOrName: string): Promise<void>;
  createContainer(spec: ContainerSpec): Promise<ContainerHandle>;
  /** A handle on an existing container (no engine call). */
  container(idOrName: string): ContainerHandle;
  connectNetwork(containerId: string, network: string, aliases?: readonly string[]): Promise<void>;
  listSessions(): Promise<SessionSummary[]>;
  /** Removes containers (forced), then networks, of the selected ccbox sessions. */
  gc(options?: GcOptions): Promise<GcResult>;
}
