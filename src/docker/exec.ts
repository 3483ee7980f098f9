import type { Duplex } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import { ExitCodes } from '../exit-codes.js';
import type { ExecOptions, ExecResult } from '../engine/engine.js';
import type { EngineApi } from './api.js';
import { StreamDemuxer } from './demux.js';
import { abortedError, engineError } from './errors.js';

/** Collects a hijacked, multiplexed exec stream; rejects if it breaks or is aborted. */
function collect(
  socket: Duplex,
  signal: AbortSignal | undefined,
): Promise<{ stdout: Buffer; stderr: Buffer }> {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const demux = new StreamDemuxer(
    (c) => out.push(c),
    (c) => err.push(c),
  );
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      socket.destroy();
      reject(signal?.reason instanceof Error ? signal.reason : new Error('exec aborted'));
    };
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    socket.on('data', (chunk: Buffer) => demux.push(chunk));
    socket.on('error', (e: Error) => {
      signal?.removeEventListener('abort', onAbort);
      reject(e);
    });
    socket.on('end', () => {
      signal?.removeEventListener('abort', onAbort);
      resolve({ stdout: Buffer.concat(out), stderr: Buffer.concat(err) });
    });
  });
}

/**
 * Runs a command in a running container and returns its exit code and both outputs, demultiplexed.
 * Aborting stops waiting; the engine offers no way to kill the exec'd process itself.
 */
export async function execInContainer(
  api: EngineApi,
  containerId: string,
  cmd: readonly string[],
  options: ExecOptions = {},
): Promise<ExecResult> {
  const what = `exec ${JSON.stringify(cmd[0] ?? '')} in ${containerId.slice(0, 12)}`;
  try {
    const exec = await api.json<{ Id: string }>(
      'POST',
      `/containers/${encodeURIComponent(containerId)}/exec`,
      {
        body: {
          Cmd: [...cmd],
          AttachStdin: options.stdin !== undefined,
          AttachStdout: true,
          AttachStderr: true,
          Tty: false,
          ...(options.user !== undefined ? { User: options.user } : {}),
          ...(options.workingDir !== undefined ? { WorkingDir: options.workingDir } : {}),
          Env: Object.entries(options.env ?? {}).map(([k, v]) => `${k}=${v}`),
        },
      },
    );
    const execPath = `/exec/${encodeURIComponent(exec.Id)}`;
    const socket = await api.hijack('POST', `${execPath}/start`, { body: { Detach: false, Tty: false } });
    const collected = collect(socket, options.signal);
    if (options.stdin !== undefined) socket.end(options.stdin);
    const { stdout, stderr } = await collected;
    // The stream can end a moment before the engine records the exit code.
    for (let attempt = 0; ; attempt++) {
      const state = await api.json<{ Running: boolean; ExitCode: number | null }>('GET', `${execPath}/json`);
      if (!state.Running && state.ExitCode !== null) {
        return { exitCode: state.ExitCode, stdout: stdout.toString('utf8'), stderr: stderr.toString('utf8') };
      }
      if (attempt >= 100) throw new Error('the engine never reported an exit code');
      await delay(20);
    }
  } catch (err) {
    if (options.signal?.aborted) throw abortedError(what, err);
    throw engineError(what, err, ExitCodes.sandboxFailed);
  }
}
