import type Dockerode from 'dockerode';
import type { ContainerInspect, ImageSummary } from '../engine/engine.js';

const STATES: readonly ContainerInspect['state'][] = [
  'created',
  'running',
  'paused',
  'restarting',
  'removing',
  'exited',
  'dead',
];

function capName(cap: string): string {
  return cap.toUpperCase().replace(/^CAP_/, '');
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** Why a mapping: the session checks what the engine actually applied, in its own types. */
export function toContainerInspect(info: Dockerode.ContainerInspectInfo): ContainerInspect {
  const host = info.HostConfig;
  const status = info.State.Status as ContainerInspect['state'];
  const ipAddresses: Record<string, string> = {};
  for (const [name, net] of Object.entries(info.NetworkSettings.Networks ?? {})) {
    ipAddresses[name] = net.IPAddress ?? '';
  }
  return {
    id: info.Id,
    name: info.Name.replace(/^\//, ''),
    image: info.Config.Image,
    state: STATES.includes(status) ? status : 'dead',
    running: info.State.Running,
    exitCode: info.State.ExitCode,
    oomKilled: info.State.OOMKilled,
    ipAddresses,
    mounts: (info.Mounts ?? []).map((m) => ({
      type: m.Type ?? '',
      source: m.Source ?? '',
      target: m.Destination,
      readOnly: !m.RW,
    })),
    tmpfs: { ...(host.Tmpfs ?? {}) },
    user: info.Config.User ?? '',
    readOnlyRootfs: host.ReadonlyRootfs === true,
    capDrop: strings(host.CapDrop).map(capName),
    capAdd: strings(host.CapAdd).map(capName),
    securityOpt: strings(host.SecurityOpt),
    dns: strings(host.Dns),
    labels: { ...(info.Config.Labels ?? {}) },
    tty: info.Config.Tty === true,
    resources: {
      memoryBytes: host.Memory ?? 0,
      nanoCpus: host.NanoCpus ?? 0,
      pidsLimit: host.PidsLimit ?? 0,
    },
  };
}

export function toImageSummary(info: Dockerode.ImageInspectInfo): ImageSummary {
  return {
    id: info.Id,
    tags: [...(info.RepoTags ?? [])],
    labels: { ...(info.Config?.Labels ?? {}) },
    created: info.Created,
    sizeBytes: info.Size,
  };
}
