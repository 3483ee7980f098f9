// Wire types of the Engine API (from @types/dockerode; no SDK is loaded at run time).
import type Dockerode from 'dockerode';
import type { EngineApi } from './api.js';
import { CcboxError } from '../errors.js';
import { ExitCodes } from '../exit-codes.js';
import {
  LABEL_SESSION,
  type BuildImageOptions,
  type ContainerHandle,
  type ContainerSpec,
  type Engine,
  type EngineInfo,
  type GcOptions,
  type GcResult,
  type ImageSummary,
  type ImportRootfsOptions,
  type ListedImage,
  type NetworkRef,
  type NetworkSpec,
  type SessionSummary,
} from '../engine/engine.js';
import { DockerContainer } from './container.js';
import { toCreateOptions } from './container-spec.js';
import { engineError, isNotFound } from './errors.js';
import { listImages } from './images.js';
import { createNetwork, listNetworkSubnets } from './networks.js';
import { toImageSummary } from './inspect.js';
import { gcSessions, listSessions } from './sessions.js';

/** Why: Podman's compatible API says who it is in the version components, not in a separate endpoint. */
export function engineKindOf(version: Dockerode.DockerVersion): 'docker' | 'podman' {
  const names = [
    ...((version as { Components?: { Name?: string }[] }).Components ?? []).map((c) => c.Name ?? ''),
    (version as { Platform?: { Name?: string } }).Platform?.Name ?? '',
  ];
  return names.some((n) => /podman/i.test(n)) ? 'podman' : 'docker';
}

/** The Engine over the Engine API. Holds the client and a lazily fetched engine description; no globals. */
export class DockerEngine implements Engine {
  private infoPromise: Promise<EngineInfo> | undefined;

  constructor(private readonly api: EngineApi) {}

  async ping(): Promise<void> {
    try {
      // A socket that accepts but never answers must not hang ccbox.
      await this.api.buffer('GET', '/_ping', { signal: AbortSignal.timeout(10_000) });
    } catch (err) {
      throw engineError('Pinging the container engine', err, ExitCodes.engineUnavailable);
    }
  }

  info(): Promise<EngineInfo> {
    this.infoPromise ??= this.fetchInfo().catch((err: unknown) => {
      this.infoPromise = undefined;
      throw err;
    });
    return this.infoPromise;
  }

  private async fetchInfo(): Promise<EngineInfo> {
    try {
      const [version, info] = await Promise.all([
        this.api.json<Dockerode.DockerVersion>('GET', '/version'),
        this.api.json<unknown>('GET', '/info'),
      ]);
      const securityOptions = (info as { SecurityOptions?: unknown }).SecurityOptions;
      const rootless =
        Array.isArray(securityOptions) &&
        securityOptions.some((o) => typeof o === 'string' && o.includes('rootless'));
      return {
        kind: engineKindOf(version),
        version: version.Version,
        apiVersion: version.ApiVersion,
        os: version.Os,
        arch: version.Arch,
        rootless,
      };
    } catch (err) {
      throw engineError('Reading the engine version', err, ExitCodes.engineUnavailable);
    }
  }

  async inspectImage(tag: string): Promise<ImageSummary | undefined> {
    try {
      return toImageSummary(
        await this.api.json<Dockerode.ImageInspectInfo>('GET', `/images/${encodeURIComponent(tag)}/json`),
      );
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw engineError(`Inspecting image ${tag}`, err, ExitCodes.imageBuildFailed);
    }
  }

  async imageExists(tag: string): Promise<boolean> {
    return (await this.inspectImage(tag)) !== undefined;
  }

  // Builds and imports load tar on demand: a session with a cached image never needs it.
  async buildImage(options: BuildImageOptions): Promise<{ imageId: string }> {
    const { buildImage } = await import('./build.js');
    return buildImage(this.api, options, (tag) => this.inspectImage(tag));
  }

  async importRootfs(options: ImportRootfsOptions): Promise<{ imageId: string }> {
    const { importRootfs } = await import('./import.js');
    return importRootfs(this.api, options, (tag) => this.inspectImage(tag));
  }

  async removeImage(tag: string, options: { force?: boolean } = {}): Promise<boolean> {
    try {
      await this.api.buffer('DELETE', `/images/${encodeURIComponent(tag)}`, {
        query: { force: options.force ?? false },
      });
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw engineError(`Removing image ${tag}`, err, ExitCodes.imageBuildFailed);
    }
  }

  listImages(label: string): Promise<ListedImage[]> {
    return listImages(this.api, label);
  }

  // Async so that a refused label is a rejection, as every other engine failure is.
  async createNetwork(spec: NetworkSpec): Promise<NetworkRef> {
    requireSessionLabel(`network ${spec.name}`, spec.labels);
    return createNetwork(this.api, spec, (await this.info()).kind);
  }

  listNetworkSubnets(): Promise<string[]> {
    return listNetworkSubnets(this.api);
  }

  async removeNetwork(idOrName: string): Promise<void> {
    try {
      await this.api.buffer('DELETE', `/networks/${encodeURIComponent(idOrName)}`);
    } catch (err) {
      if (isNotFound(err)) return;
      throw engineError(`Removing network ${idOrName}`, err, ExitCodes.sandboxFailed);
    }
  }

  async createContainer(spec: ContainerSpec): Promise<ContainerHandle> {
    const { kind } = await this.info();
    const options = toCreateOptions(spec, kind);
    const { name, ...body } = options;
    let created: { Id: string };
    try {
      created = await this.api.json<{ Id: string }>('POST', '/containers/create', { query: { name }, body });
    } catch (err) {
      throw engineError(`Creating container ${spec.name}`, err, ExitCodes.sandboxFailed);
    }
    const handle = new DockerContainer(this.api, created.Id, spec.name);
    try {
      for (const net of spec.extraNetworks ?? []) await handle.connectNetwork(net.name, net.aliases);
    } catch (err) {
      // Never leave a half-wired container behind.
      await handle.remove({ force: true }).catch(() => undefined);
      throw err;
    }
    return handle;
  }

  container(idOrName: string): ContainerHandle {
    return new DockerContainer(this.api, idOrName, idOrName);
  }

  connectNetwork(containerId: string, network: string, aliases?: readonly string[]): Promise<void> {
    return this.container(containerId).connectNetwork(network, aliases);
  }

  listSessions(): Promise<SessionSummary[]> {
    return listSessions(this.api);
  }

  gc(options?: GcOptions): Promise<GcResult> {
    return gcSessions(this.api, options);
  }
}

/** Why: an object without the session label would survive every `gc`; refuse to create it. */
function requireSessionLabel(what: string, labels: Readonly<Record<string, string>>): void {
  if (!labels[LABEL_SESSION]) {
    throw new CcboxError(`Refusing to create ${what} without a ${LABEL_SESSION} label`, {
      code: 'MISSING_SESSION_LABEL',
      exitCode: ExitCodes.internal,
    });
  }
}
