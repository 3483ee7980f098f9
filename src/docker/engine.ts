import type Dockerode from 'dockerode';
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
  type NetworkRef,
  type NetworkSpec,
  type SessionSummary,
} from '../session/engine.js';
import { buildImage } from './build.js';
import { DockerContainer } from './container.js';
import { toCreateOptions } from './container-spec.js';
import { engineError, isNotFound } from './errors.js';
import { importRootfs } from './import.js';
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

/** The Engine over dockerode. Holds the client and a lazily fetched engine description; no globals. */
export class DockerEngine implements Engine {
  private infoPromise: Promise<EngineInfo> | undefined;

  constructor(private readonly docker: Dockerode) {}

  async ping(): Promise<void> {
    try {
      // A socket that accepts but never answers must not hang ccbox; dockerode's types omit the options.
      const client = this.docker as unknown as {
        ping(options: { abortSignal: AbortSignal }): Promise<unknown>;
      };
      await client.ping({ abortSignal: AbortSignal.timeout(10_000) });
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
        this.docker.version(),
        this.docker.info() as Promise<unknown>,
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
      return toImageSummary(await this.docker.getImage(tag).inspect());
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw engineError(`Inspecting image ${tag}`, err, ExitCodes.imageBuildFailed);
    }
  }

  async imageExists(tag: string): Promise<boolean> {
    return (await this.inspectImage(tag)) !== undefined;
  }

  buildImage(options: BuildImageOptions): Promise<{ imageId: string }> {
    return buildImage(this.docker, options, (tag) => this.inspectImage(tag));
  }

  importRootfs(options: ImportRootfsOptions): Promise<{ imageId: string }> {
    return importRootfs(this.docker, options, (tag) => this.inspectImage(tag));
  }

  async removeImage(tag: string, options: { force?: boolean } = {}): Promise<boolean> {
    try {
      await this.docker.getImage(tag).remove({ force: options.force ?? false });
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw engineError(`Removing image ${tag}`, err, ExitCodes.imageBuildFailed);
    }
  }

  async createNetwork(spec: NetworkSpec): Promise<NetworkRef> {
    requireSessionLabel(`network ${spec.name}`, spec.labels);
    try {
      const network = await this.docker.createNetwork({
        Name: spec.name,
        Driver: 'bridge',
        CheckDuplicate: true,
        Internal: spec.internal,
        // Why: the guide allows no IPv6 path around the gate.
        EnableIPv6: false,
        Labels: { ...spec.labels },
      });
      return { id: network.id, name: spec.name };
    } catch (err) {
      throw engineError(`Creating network ${spec.name}`, err, ExitCodes.sandboxFailed);
    }
  }

  async removeNetwork(idOrName: string): Promise<void> {
    try {
      await this.docker.getNetwork(idOrName).remove();
    } catch (err) {
      if (isNotFound(err)) return;
      throw engineError(`Removing network ${idOrName}`, err, ExitCodes.sandboxFailed);
    }
  }

  async createContainer(spec: ContainerSpec): Promise<ContainerHandle> {
    const { kind } = await this.info();
    const options = toCreateOptions(spec, kind);
    let created: Dockerode.Container;
    try {
      created = await this.docker.createContainer(options);
    } catch (err) {
      throw engineError(`Creating container ${spec.name}`, err, ExitCodes.sandboxFailed);
    }
    const handle = new DockerContainer(this.docker, created.id, spec.name);
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
    return new DockerContainer(this.docker, idOrName, idOrName);
  }

  connectNetwork(containerId: string, network: string, aliases?: readonly string[]): Promise<void> {
    return this.container(containerId).connectNetwork(network, aliases);
  }

  listSessions(): Promise<SessionSummary[]> {
    return listSessions(this.docker);
  }

  gc(options?: GcOptions): Promise<GcResult> {
    return gcSessions(this.docker, options);
  }
}

/** Why: an object without the session label would survive every `gc`; refuse to create it. */
function requireSessionLabel(what: string, labels: Readonly<Record<string, string>>): void {
  if (!labels[LABEL_SESSION]) {
    throw new CcboxError(`Refusing to create ${what} without a ${LABEL_SESSION} label`, {
      code: 'missing-session-label',
      exitCode: ExitCodes.internal,
    });
  }
}
