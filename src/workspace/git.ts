import { runHostCommand } from '../host/command.js';

export interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface GitOptions {
  signal?: AbortSignal | undefined;
  /** A repository ccbox vouches for when it runs as root against a user's files (safe.directory). */
  trustedRepo?: string | undefined;
  /** Run as this user (ccbox as root landing commits in a user's repository: the files stay theirs). */
  as?: { uid: number; gid: number } | undefined;
  /** Extra environment (GIT_DIR and the like); the base environment is minimal, see below. */
  env?: Readonly<Record<string, string>> | undefined;
  /** Bytes of stdin. */
  input?: string | undefined;
  timeoutMs?: number | undefined;
}

/**
 * The environment host git gets. Why so little: no host secret (tokens, keys) has any business in a git
 * child, and GIT_* variables of the caller (GIT_DIR, GIT_CONFIG_*) must not redirect ccbox's git at
 * another repository. HOME stays so the user's own identity and global config apply.
 */
function baseEnv(as: GitOptions['as']): Record<string, string> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    GIT_TERMINAL_PROMPT: '0',
    LC_ALL: 'C',
  };
  // Running as another user: root's HOME is not theirs to read, and its config is not theirs either.
  if (as && as.uid !== process.getuid?.()) {
    env.GIT_CONFIG_GLOBAL = '/dev/null';
    env.HOME = '/nonexistent';
  } else if (process.env.HOME) env.HOME = process.env.HOME;
  return env;
}

/**
 * Runs git on the host with an argv array (never a shell string). Why the -c flags: the worktree is the
 * agent's to write, so host git must run nothing a repository configures (fsmonitor commands, hooks), and
 * ccbox may run as root against a repository a user owns (safe.directory for that one repository).
 * A run that is killed or times out is code 128 + the signal number, never a success.
 */
export async function git(args: readonly string[], cwd: string, opts: GitOptions = {}): Promise<GitResult> {
  const guard = [
    '-c',
    'core.fsmonitor=false',
    '-c',
    'core.hooksPath=/dev/null',
    ...(opts.trustedRepo ? ['-c', `safe.directory=${opts.trustedRepo}`] : []),
  ];
  const runAs = opts.as && opts.as.uid !== process.getuid?.() ? opts.as : undefined;
  const r = await runHostCommand('git', [...guard, ...args], {
    cwd,
    env: { ...baseEnv(opts.as), ...opts.env },
    input: opts.input,
    timeoutMs: opts.timeoutMs ?? 120_000,
    signal: opts.signal,
    as: runAs,
  });
  // Cancelled (Ctrl-C): an abort the caller unwinds with, as before, not a git failure to report.
  if (r.cancelled)
    throw Object.assign(new Error('git was cancelled', { cause: opts.signal?.reason }), {
      name: 'AbortError',
    });
  return { code: r.code, stdout: r.stdout, stderr: r.tooLarge ? 'output too large' : r.stderr };
}
