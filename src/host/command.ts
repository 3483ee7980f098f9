import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';

/** How ccbox runs a program on the host (git, debootstrap, umount): the one place that spawns. */
export interface HostCommandOptions {
  cwd?: string | undefined;
  /** The child's whole environment: nothing of the host's is inherited (no tokens, no GIT_*). */
  env: Readonly<Record<string, string>>;
  /** Bytes of stdin; without it stdin is closed. */
  input?: string | undefined;
  /** Killed after this long; a timed-out run is a signal death, never a success. */
  timeoutMs: number;
  /** Cancels the run (SIGTERM, then SIGKILL after `killGraceMs`). */
  signal?: AbortSignal | undefined;
  /** Run as this user (set only when it differs from ccbox's own). */
  as?: { uid: number; gid: number } | undefined;
  /** Output cap (stdout and stderr each); over it the child is killed. Default 64 MiB. */
  maxBuffer?: number | undefined;
  /** Every output line as it comes (stdout and stderr), for long-running commands. */
  onLine?: ((line: string) => void) | undefined;
  /** A process group of its own, ended as a whole: debootstrap's wget, dpkg and chroot children too. */
  group?: boolean | undefined;
  killGraceMs?: number | undefined;
}

export interface HostCommandResult {
  /** The exit code, or 128 + the signal number when the child was killed (timeout, cancel, cap). */
  code: number;
  signal: string | undefined;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  cancelled: boolean;
  tooLarge: boolean;
}

const MAX_BUFFER = 64 * 1024 * 1024;

/**
 * The variables a host tool may need from ccbox's own environment: where programs are, and the proxy
 * (debootstrap fetches from a mirror). Why a list: nothing else (tokens, keys) reaches a child.
 */
export function minimalHostEnv(
  env: Readonly<Record<string, string | undefined>>,
  extra: readonly string[] = [],
): Record<string, string> {
  const out: Record<string, string> = { PATH: env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', LC_ALL: 'C' };
  for (const name of extra) {
    const value = env[name];
    if (value !== undefined) out[name] = value;
  }
  return out;
}

/** Proxy variables, for tools that download (debootstrap). */
export const PROXY_ENV = ['http_proxy', 'https_proxy', 'no_proxy', 'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY'];

function signalNumber(sig: string | undefined): number {
  return (sig ? (constants.signals as Record<string, number | undefined>)[sig] : undefined) ?? 1;
}

/**
 * Runs `file` with an argv array (never a shell). A spawn failure (not installed: ENOENT) rejects with the
 * original error; every other outcome resolves, and only exit 0 has `code` 0.
 * Why two ways: execa handles process groups, line streaming and the rest in one reviewed place, but its
 * import costs about 150 ms here (measured: `import('execa')` 146–152 ms against 6 ms for
 * node:child_process; the worktree step of every session went from 40 to 150 ms and the startup ratio
 * from 3.77x to 4.31x). So the short commands of every session start (git: a few ms each) take the
 * small spawn below; long-running tools (debootstrap: a process group, its output streamed) take execa.
 */
export async function runHostCommand(
  file: string,
  args: readonly string[],
  opts: HostCommandOptions,
): Promise<HostCommandResult> {
  if (!opts.group && !opts.onLine) return runShort(file, args, opts);
  const { execa } = await import('execa');
  const grace = opts.killGraceMs ?? 5_000;
  const child = execa(file, [...args], {
    ...(opts.cwd !== undefined ? { cwd: opts.cwd } : {}),
    env: { ...opts.env },
    extendEnv: false,
    ...(opts.input !== undefined ? { input: opts.input } : { stdin: 'ignore' as const }),
    timeout: opts.timeoutMs,
    // A group is cancelled below, as a whole; execa alone would signal only the leader.
    ...(opts.signal && !opts.group ? { cancelSignal: opts.signal } : {}),
    forceKillAfterDelay: grace,
    maxBuffer: opts.maxBuffer ?? MAX_BUFFER,
    detached: Boolean(opts.group),
    reject: false,
    stripFinalNewline: false,
    ...(opts.as ? { uid: opts.as.uid, gid: opts.as.gid } : {}),
  });
  let groupTimer: NodeJS.Timeout | undefined;
  let exited = false;
  const killGroup = (sig: NodeJS.Signals): void => {
    if (child.pid === undefined || exited) return;
    try {
      process.kill(-child.pid, sig);
    } catch {
      // already gone
    }
  };
  const onAbort = (): void => {
    killGroup('SIGTERM');
    groupTimer = setTimeout(() => killGroup('SIGKILL'), grace);
  };
  if (opts.group) opts.signal?.addEventListener('abort', onAbort, { once: true });
  if (opts.onLine) {
    for (const stream of [child.stdout, child.stderr] as Array<Readable | null>)
      if (stream) createInterface({ input: stream }).on('line', opts.onLine);
  }
  try {
    const r = await child;
    exited = true;
    const spawnFailed = r.failed && r.exitCode === undefined && r.signal === undefined && !r.timedOut;
    if (spawnFailed && r.cause instanceof Error) throw r.cause;
    const cancelled = r.isCanceled || Boolean(opts.group && opts.signal?.aborted);
    const code =
      r.exitCode !== undefined
        ? r.exitCode
        : 128 + signalNumber(r.signal ?? (r.timedOut || cancelled || r.isMaxBuffer ? 'SIGTERM' : undefined));
    return {
      // Output past the cap is a failure even when the child managed to exit 0 first.
      code: r.isMaxBuffer && code === 0 ? 128 + signalNumber('SIGKILL') : code,
      signal: r.signal,
      stdout: typeof r.stdout === 'string' ? r.stdout : '',
      stderr: typeof r.stderr === 'string' ? r.stderr : '',
      timedOut: r.timedOut,
      cancelled,
      tooLarge: r.isMaxBuffer,
    };
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    clearTimeout(groupTimer);
  }
}

/** The hot-path runner: argv, explicit env, timeout, cancel, output cap; the same result shape. */
function runShort(
  file: string,
  args: readonly string[],
  opts: HostCommandOptions,
): Promise<HostCommandResult> {
  const cap = opts.maxBuffer ?? MAX_BUFFER;
  const grace = opts.killGraceMs ?? 5_000;
  return new Promise((resolve, reject) => {
    const child = spawn(file, [...args], {
      ...(opts.cwd !== undefined ? { cwd: opts.cwd } : {}),
      env: { ...opts.env },
      stdio: [opts.input !== undefined ? 'pipe' : 'ignore', 'pipe', 'pipe'],
      ...(opts.as ? { uid: opts.as.uid, gid: opts.as.gid } : {}),
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    let cancelled = false;
    let tooLarge = false;
    let killTimer: NodeJS.Timeout | undefined;
    const end = (why: () => void): void => {
      why();
      child.kill('SIGTERM');
      killTimer ??= setTimeout(() => child.kill('SIGKILL'), grace);
    };
    const timer = setTimeout(() => end(() => (timedOut = true)), opts.timeoutMs);
    const onAbort = (): void => end(() => (cancelled = true));
    if (opts.signal?.aborted) onAbort();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    const take = (append: (s: string) => void, size: () => number) => (c: Buffer) => {
      if (size() + c.length > cap) {
        if (!tooLarge) end(() => (tooLarge = true));
      } else append(c.toString());
    };
    child.stdout?.on(
      'data',
      take(
        (x) => (stdout += x),
        () => stdout.length,
      ),
    );
    child.stderr?.on(
      'data',
      take(
        (x) => (stderr += x),
        () => stderr.length,
      ),
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
    child.on('error', (err) => {
      clearTimeout(timer);
      clearTimeout(killTimer);
      opts.signal?.removeEventListener('abort', onAbort);
      reject(err);
    });
    child.on('close', (code, sig) => {
      clearTimeout(timer);
      clearTimeout(killTimer);
      opts.signal?.removeEventListener('abort', onAbort);
      const killed = code === null || timedOut || cancelled || tooLarge;
      resolve({
        code: killed ? 128 + signalNumber(sig ?? 'SIGTERM') : code,
        signal: sig ?? undefined,
        stdout,
        stderr,
        timedOut,
        cancelled,
        tooLarge,
      });
    });
  });
}
