import { spawn } from 'node:child_process';

export interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs git on the host with an argv array (never a shell string). Why the -c flags: the agent can write
 * to the worktree, so host git must run nothing the repository configures (fsmonitor commands, hooks),
 * and ccbox may run as root against a repository a user owns (safe.directory for that one repository).
 */
export function git(
  args: readonly string[],
  cwd: string,
  signal?: AbortSignal,
  trustedRepo?: string,
): Promise<GitResult> {
  const guard = [
    '-c',
    'core.fsmonitor=false',
    '-c',
    'core.hooksPath=/dev/null',
    ...(trustedRepo ? ['-c', `safe.directory=${trustedRepo}`] : []),
  ];
  return new Promise((resolve, reject) => {
    const child = spawn('git', [...guard, ...args], {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      signal,
      env: { ...process.env, GIT_TERMINAL_PROMPT: '0' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}
