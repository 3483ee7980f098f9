import type Dockerode from 'dockerode';
import { CcboxError } from '../errors.js';
import { ExitCodes } from '../exit-codes.js';
import { LABEL_SESSION, type ContainerSpec, type MountSpec, type TmpfsOptions } from '../engine/engine.js';

/**
 * Why: Podman on this kind of host refuses to start a container whose rlimits exceed the host's hard
 * limits (`error setting rlimit type 7`); these fit under them (shared/reference/engines.md).
 */
export const PODMAN_DEFAULT_ULIMITS = [
  { name: 'nofile', soft: 20000, hard: 20000 },
  { name: 'nproc', soft: 32768, hard: 32768 },
] as const;

function invalid(message: string): CcboxError {
  return new CcboxError(`Invalid container spec: ${message}`, {
    code: 'CONTAINER_SPEC_INVALID',
    exitCode: ExitCodes.internal,
  });
}

/** tmpfs options as the engine's `HostConfig.Tmpfs` takes them. Always nosuid,nodev: a tmpfs is never a
 * place to smuggle in a setuid binary or a device node. */
export function tmpfsOptionString(
  options: TmpfsOptions | undefined,
  kind: 'docker' | 'podman' = 'docker',
  user?: string,
): string {
  const parts = ['rw', 'nosuid', 'nodev', options?.exec === true ? 'exec' : 'noexec'];
  if (options?.sizeBytes !== undefined) parts.push(`size=${Math.trunc(options.sizeBytes)}`);
  if (options?.mode !== undefined) parts.push(`mode=${options.mode.toString(8)}`);
  if (options?.uid === undefined && options?.gid === undefined) return parts.join(',');
  if (kind === 'podman') {
    // Why `U`: Podman (4.3) refuses uid=/gid= and instead chowns the tmpfs to the container's user, so
    // an owner other than that user cannot be expressed there.
    if (user !== `${options.uid ?? ''}:${options.gid ?? ''}`)
      throw invalid(`on Podman a tmpfs can only belong to the container's user (${user ?? 'none'})`);
    parts.push('U');
    return parts.join(',');
  }
  if (options.uid !== undefined) parts.push(`uid=${options.uid}`);
  if (options.gid !== undefined) parts.push(`gid=${options.gid}`);
  return parts.join(',');
}

function checkMount(mount: MountSpec): void {
  if (!mount.target.startsWith('/')) throw invalid(`mount target must be absolute: ${mount.target}`);
  if (mount.type === 'bind' && !mount.source.startsWith('/')) {
    throw invalid(`bind source must be an absolute host path: ${mount.source}`);
  }
}

function toMounts(
  mounts: readonly MountSpec[],
  kind: 'docker' | 'podman',
  user: string | undefined,
): {
  Mounts: Dockerode.MountSettings[];
  Tmpfs: Record<string, string>;
} {
  const Mounts: Dockerode.MountSettings[] = [];
  const Tmpfs: Record<string, string> = {};
  for (const mount of mounts) {
    checkMount(mount);
    if (mount.type === 'bind') {
      // Why `Mounts` and not `Binds`: a missing source is an error instead of a root-owned directory the
      // engine creates on the host; rprivate keeps host mount events from propagating in.
      Mounts.push({
        Type: 'bind',
        Source: mount.source,
        Target: mount.target,
        ReadOnly: mount.readOnly,
        BindOptions: { Propagation: 'rprivate' },
      });
    } else {
      // Why `HostConfig.Tmpfs`: unlike `Mounts` it takes uid=/gid= on engines of API 1.41 (Docker 20.10).
      Tmpfs[mount.target] = tmpfsOptionString(mount.options, kind, user);
    }
  }
  return { Mounts, Tmpfs };
}

function toEnv(env: Readonly<Record<string, string>> | undefined): string[] {
  return Object.entries(env ?? {}).map(([key, value]) => {
    if (key === '' || key.includes('=')) throw invalid(`bad environment variable name: ${key}`);
    return `${key}=${value}`;
  });
}

/** ContainerSpec → the engine's create request. Pure; decides nothing beyond fail-closed defaults. */
export function toCreateOptions(
  spec: ContainerSpec,
  kind: 'docker' | 'podman',
): Dockerode.ContainerCreateOptions {
  if (!spec.labels[LABEL_SESSION]) {
    throw invalid(`container ${spec.name} has no ${LABEL_SESSION} label, so gc could never find it`);
  }
  const { Mounts, Tmpfs } = toMounts(spec.mounts ?? [], kind, spec.user);
  for (const host of spec.extraHosts ?? []) {
    if (!/^[^:\s]+:\S+$/.test(host)) throw invalid(`extra host must be name:address: ${host}`);
  }
  const ulimits = spec.ulimits ?? (kind === 'podman' ? PODMAN_DEFAULT_ULIMITS : []);
  const hostConfig: Dockerode.HostConfig = {
    // Why 'none' by default: a container that was not given a network gets none, never the default bridge.
    NetworkMode: spec.network?.name ?? 'none',
    Mounts,
    Tmpfs,
    ReadonlyRootfs: spec.readOnlyRootfs ?? false,
    CapDrop: [...(spec.capDrop ?? [])],
    CapAdd: [...(spec.capAdd ?? [])],
    SecurityOpt: [...(spec.securityOpt ?? [])],
    Privileged: false,
    Dns: [...(spec.dns ?? [])],
    DnsOptions: [...(spec.dnsOptions ?? [])],
    ExtraHosts: [...(spec.extraHosts ?? [])],
    Init: spec.init ?? false,
    Ulimits: ulimits.map((u) => ({ Name: u.name, Soft: u.soft, Hard: u.hard })),
  };
  const resources = spec.resources ?? {};
  if (resources.memoryBytes !== undefined) {
    hostConfig.Memory = resources.memoryBytes;
    // Why equal: no swap beyond the memory limit, so the limit is the limit.
    hostConfig.MemorySwap = resources.memoryBytes;
  }
  if (resources.nanoCpus !== undefined) hostConfig.NanoCpus = resources.nanoCpus;
  if (resources.pidsLimit !== undefined) hostConfig.PidsLimit = resources.pidsLimit;

  const options: Dockerode.ContainerCreateOptions = {
    name: spec.name,
    Image: spec.image,
    Env: toEnv(spec.env),
    Labels: { ...spec.labels },
    Tty: spec.tty ?? false,
    OpenStdin: spec.openStdin ?? false,
    // As `docker run -i`: when the attached client ends stdin, the container's stdin closes (EOF).
    StdinOnce: spec.openStdin ?? false,
    AttachStdin: spec.openStdin ?? false,
    AttachStdout: true,
    AttachStderr: true,
    HostConfig: hostConfig,
  };
  if (spec.cmd) options.Cmd = [...spec.cmd];
  if (spec.entrypoint) options.Entrypoint = [...spec.entrypoint];
  if (spec.user !== undefined) options.User = spec.user;
  if (spec.workingDir !== undefined) options.WorkingDir = spec.workingDir;
  if (spec.hostname !== undefined) options.Hostname = spec.hostname;
  if (spec.stopSignal !== undefined) options.StopSignal = spec.stopSignal;
  if (spec.network) {
    // Why only one endpoint here: engines before API 1.44 take a single network at create time; the
    // others are connected before start.
    options.NetworkingConfig = {
      EndpointsConfig: { [spec.network.name]: { Aliases: [...(spec.network.aliases ?? [])] } },
    };
  }
  return options;
}
