// Wire types of the Engine API (from @types/dockerode; no SDK is loaded at run time).
import type Dockerode from 'dockerode';
import { ExitCodes } from '../exit-codes.js';
import type {
  AttachedStreams,
  AttachOptions,
  ContainerHandle,
  ContainerInspect,
  ExecOptions,
  ExecResult,
  LogsOptions,
} from '../engine/engine.js';
import type { EngineApi } from './api.js';
import { splitAttachSocket } from './attach.js';
import { StreamDemuxer } from './demux.js';
import {
  abortedError,
  connectionLostError,
  engineError,
  engineMessageOf,
  isConnectionLost,
  isNotFound,
  statusCodeOf,
} from './errors.js';
import { execInContainer } from './exec.js';
import { toContainerInspect } from './inspect.js';

/** Why: "not running" / "already being removed" answers mean the goal state is reached already. */
function isAlreadyDone(err: unknown): boolean {
  if (isNotFound(err)) return true;
  const status = statusCodeOf(err);
  const message = engineMessageOf(err);
  return (
    status === 304 ||
    ((status === 409 || status === 500) &&
      /not running|is not running|already in progress|can only kill running/i.test(message))
  );
}

/** A container of the engine by id; every method maps failures to CcboxError. */
export class DockerContainer implements ContainerHandle {
  private readonly path: string;

  constructor(
    private readonly api: EngineApi,
    readonly id: string,
    readonly name: string,
  ) {
    this.path = `/containers/${encodeURIComponent(id)}`;
  }

  private fail(operation: string, err: unknown): never {
    throw engineError(`${operation} ${this.name}`, err, ExitCodes.sandboxFailed);
  }

  async start(): Promise<void> {
    try {
      await this.api.buffer('POST', `${this.path}/start`);
    } catch (err) {
      if (statusCodeOf(err) === 304) return; // already started
      this.fail('Starting container', err);
    }
  }

  async wait(signal?: AbortSignal): Promise<number> {
    try {
      const result = await this.api.json<{ StatusCode?: unknown }>('POST', `${this.path}/wait`, {
        ...(signal ? { signal } : {}),
      });
      if (typeof result.StatusCode !== 'number') throw new Error('the engine returned no exit code');
      return result.StatusCode;
    } catch (err) {
      if (signal?.aborted) throw abortedError(`Waiting for ${this.name}`, err);
      if (isConnectionLost(err)) throw connectionLostError(`waiting for ${this.name}`, err);
      this.fail('Waiting for container', err);
    }
  }

  async kill(signal = 'SIGTERM'): Promise<void> {
    try {
      await this.api.buffer('POST', `${this.path}/kill`, { query: { signal } });
    } catch (err) {
      if (isAlreadyDone(err)) return;
      this.fail('Killing container', err);
    }
  }

  async remove(options: { force?: boolean } = {}): Promise<void> {
    try {
      await this.api.buffer('DELETE', this.path, { query: { force: options.force ?? true, v: true } });
    } catch (err) {
      if (isAlreadyDone(err)) return;
      this.fail('Removing container', err);
    }
  }

  exec(cmd: readonly string[], options?: ExecOptions): Promise<ExecResult> {
    return execInContainer(this.api, this.id, cmd, options);
  }

  async logs(options: LogsOptions = {}): Promise<{ stdout: string; stderr: string }> {
    try {
      const { tty } = await this.inspect();
      const raw = await this.api.buffer('GET', `${this.path}/logs`, {
        query: { follow: false, stdout: true, stderr: true, tail: options.tail, since: options.since },
      });
      if (tty) return { stdout: raw.toString('utf8'), stderr: '' };
      const out: Buffer[] = [];
      const errs: Buffer[] = [];
      const demux = new StreamDemuxer(
        (c) => out.push(c),
        (c) => errs.push(c),
      );
      demux.push(raw);
      return { stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(errs).toString('utf8') };
    } catch (err) {
      this.fail('Reading logs of', err);
    }
  }

  async inspect(): Promise<ContainerInspect> {
    try {
      return toContainerInspect(
        await this.api.json<Dockerode.ContainerInspectInfo>('GET', `${this.path}/json`),
      );
    } catch (err) {
      this.fail('Inspecting container', err);
    }
  }

  async attach(options: AttachOptions): Promise<AttachedStreams> {
    try {
      const { tty } = await this.inspect();
      const socket = await this.api.hijack('POST', `${this.path}/attach`, {
        query: { stream: true, stdin: options.stdin, stdout: options.stdout, stderr: options.stderr },
      });
      return splitAttachSocket(socket, options, tty);
    } catch (err) {
      this.fail('Attaching to', err);
    }
  }

  async resize(rows: number, cols: number): Promise<void> {
    try {
      await this.api.buffer('POST', `${this.path}/resize`, { query: { h: rows, w: cols } });
    } catch (err) {
      // A resize racing the container's exit is harmless.
      if (isAlreadyDone(err) || /not running|stopped/i.test(engineMessageOf(err))) return;
      this.fail('Resizing', err);
    }
  }

  async connectNetwork(network: string, aliases: readonly string[] = []): Promise<void> {
    try {
      await this.api.buffer('POST', `/networks/${encodeURIComponent(network)}/connect`, {
        body: { Container: this.id, EndpointConfig: { Aliases: [...aliases] } },
      });
    } catch (err) {
      this.fail(`Connecting network ${network} to`, err);
    }
  }

  /** `await using` removes the container, whatever state it is in. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.remove({ force: true });
  }
}
