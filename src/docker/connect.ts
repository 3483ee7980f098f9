import { stat } from 'node:fs/promises';
import path from 'node:path';
import { CcboxError } from '../errors.js';
import { ExitCodes } from '../exit-codes.js';
import type { Engine } from '../engine/engine.js';
import { EngineApi, type EngineEndpoint } from './api.js';
import { DockerEngine } from './engine.js';

export type { EngineEndpoint } from './api.js';

/** Docker's and rootful Podman's usual sockets, tried in this order. */
export const DEFAULT_ENGINE_SOCKETS: readonly string[] = ['/var/run/docker.sock', '/run/podman/podman.sock'];

/** Why a helper: the rootless sockets live under directories the caller reads from its environment. */
export function engineSocketCandidates(dirs: { xdgRuntimeDir?: string; home?: string }): string[] {
  const out = [...DEFAULT_ENGINE_SOCKETS];
  if (dirs.xdgRuntimeDir)
    out.push(
      path.join(dirs.xdgRuntimeDir, 'docker.sock'),
      path.join(dirs.xdgRuntimeDir, 'podman', 'podman.sock'),
    );
  if (dirs.home) out.push(path.join(dirs.home, '.docker', 'run', 'docker.sock'));
  return out;
}

function badHost(value: string, why: string): CcboxError {
  return new CcboxError(`Unsupported engine address ${JSON.stringify(value)}: ${why}`, {
    code: 'ENGINE_HOST_INVALID',
    exitCode: ExitCodes.invalidInput,
    hint: 'Use unix:///path/to/docker.sock (Docker or Podman) or tcp://127.0.0.1:PORT.',
  });
}

/** Parses a DOCKER_HOST-style value: `unix:///path`, a bare absolute path, or `tcp://host:port`. */
export function parseEngineHost(value: string): EngineEndpoint {
  const text = value.trim();
  if (text.startsWith('/')) return { socketPath: text };
  if (text.startsWith('unix://')) {
    const socketPath = text.slice('unix://'.length);
    if (!socketPath.startsWith('/')) throw badHost(value, 'the socket path must be absolute');
    return { socketPath };
  }
  if (text.startsWith('tcp://') || text.startsWith('http://')) {
    let url: URL;
    try {
      url = new URL(text.replace(/^tcp:/, 'http:'));
    } catch {
      throw badHost(value, 'not a valid URL');
    }
    if (url.hostname === '') throw badHost(value, 'no host');
    return { host: url.hostname, port: url.port === '' ? 2375 : Number(url.port) };
  }
  // Why not ssh:// or TLS: they need credentials and libraries ccbox does not carry; refuse rather than guess.
  throw badHost(value, 'only unix sockets and plain tcp are supported');
}

async function isSocket(candidate: string): Promise<boolean> {
  try {
    return (await stat(candidate)).isSocket();
  } catch {
    return false;
  }
}

export interface ConnectEngineOptions {
  /** A DOCKER_HOST-style value passed in by the caller (ccbox reads no environment here). */
  host?: string;
  /** A socket path; wins over `host`. */
  socketPath?: string;
  /** Sockets to try in order when neither is given; default DEFAULT_ENGINE_SOCKETS. */
  candidates?: readonly string[];
}

/**
 * Connects to Docker or Podman (its Docker-compatible socket) and checks that it answers.
 * Throws CcboxError (exit 3) with a hint when no engine is reachable.
 */
export async function connectEngine(options: ConnectEngineOptions = {}): Promise<Engine> {
  let endpoint: EngineEndpoint | undefined;
  if (options.socketPath) endpoint = { socketPath: options.socketPath };
  else if (options.host) endpoint = parseEngineHost(options.host);
  else {
    const candidates = options.candidates ?? DEFAULT_ENGINE_SOCKETS;
    for (const candidate of candidates) {
      if (await isSocket(candidate)) {
        endpoint = { socketPath: candidate };
        break;
      }
    }
    if (!endpoint) {
      throw new CcboxError(`No container engine socket found (looked at ${candidates.join(', ')})`, {
        code: 'ENGINE_UNREACHABLE',
        exitCode: ExitCodes.engineUnavailable,
        hint: 'Start Docker, or Podman with `podman system service --time=0`, or set DOCKER_HOST.',
      });
    }
  }
  const engine = new DockerEngine(new EngineApi(endpoint));
  await engine.ping();
  return engine;
}
