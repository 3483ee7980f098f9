import { spawn, type ChildProcess } from 'node:child_process';
import { chownSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { packageRoot } from '../../src/paths.js';
import { containerIds, dockerEngine, networkIds } from './testbed/engines.js';
import { testRun } from './testbed/run.js';

export const CLI = path.join(packageRoot(), 'dist/src/cli/main.js');
/** Shared across test files so the Claude Code binary is fetched and verified once. */
export const CACHE_DIR = process.env.CCBOX_TEST_CACHE ?? path.join(os.tmpdir(), 'ccbox-test-cache');
export const isRoot = process.getuid?.() === 0;

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * The network test gates reach "the world" through: itself internal, holding only the test's own
 * servers, so that even a broken gate cannot send a packet off this machine. One per vitest run
 * (testbed/global-setup.ts creates it and removes it at the end), so concurrent runs never share it.
 */
export const outsideNetwork = (): string => testRun().outsideNetwork;

/** The environment a test ccbox runs with: nothing of the host's but what it needs. */
export function cliEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: extra.HOME ?? os.tmpdir(),
    CCBOX_CACHE_DIR: CACHE_DIR,
    CCBOX_STATE_DIR: path.join(CACHE_DIR, 'state'),
    CCBOX_GATE_NETWORK: outsideNetwork(),
    ...(process.env.DOCKER_HOST ? { DOCKER_HOST: process.env.DOCKER_HOST } : {}),
    ...(process.env.NODE_EXTRA_CA_CERTS ? { NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS } : {}),
    ...extra,
  };
}

/** Starts the built CLI as a child process (the real binary, real signals). */
export function startCli(args: string[], opts: { cwd: string; env?: Record<string, string> }): ChildProcess {
  return spawn(process.execPath, [CLI, ...args], {
    cwd: opts.cwd,
    env: cliEnv(opts.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export function runCli(args: string[], opts: { cwd: string; env?: Record<string, string> }): Promise<CliRun> {
  const child = startCli(args, opts);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** A fresh git repository with one commit, owned by `uid:gid`, and a .env secret. */
export function makeRepo(uid: number, gid = uid, files: Record<string, string> = {}): string {
  const parent = mkdtempSync(path.join(os.tmpdir(), 'ccbox-repo-'));
  const dir = path.join(parent, 'repo');
  mkdirSync(dir);
  const run = (...args: string[]) => execFileSync('git', args, { cwd: dir, stdio: 'ignore' });
  run('init', '-q', '-b', 'main');
  writeFileSync(path.join(dir, 'README.md'), '# fixture\n');
  writeFileSync(path.join(dir, '.env'), 'API_TOKEN=host-secret-value-123\n');
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), content);
  }
  run('add', 'README.md');
  run('-c', 'user.name=fixture', '-c', 'user.email=fixture@example.invalid', 'commit', '-qm', 'init');
  execFileSync('chown', ['-R', `${uid}:${gid}`, parent]);
  chownSync(parent, uid, gid);
  return dir;
}

/** git on the host, as root, against a fixture repository owned by someone else. */
export function hostGit(repo: string, ...args: string[]): string {
  return execFileSync('git', ['-c', `safe.directory=*`, ...args], { cwd: repo, encoding: 'utf8' });
}

/** Every ccbox-labelled container and network of one session, or of all sessions. */
export async function ccboxObjects(session?: string): Promise<{ containers: string[]; networks: string[] }> {
  const filter = [session ? `dev.ccbox.session=${session}` : 'dev.ccbox.session'];
  const engine = await dockerEngine();
  return { containers: await containerIds(engine, filter), networks: await networkIds(engine, filter) };
}

/** The JSON outcome line of a --json run. */
export function outcome(run: CliRun): {
  ok: boolean;
  exitCode: number;
  session?: string;
  steps?: Array<{ step: string; detail?: string }>;
  git?: { landedOn: string | null; commits: number; unstaged: boolean; kept: string | null } | null;
  leftovers?: Array<{ path: string; kind: string; target?: string; action: string }>;
  controlChanges?: string[];
} {
  const lines = run.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1] ?? '{}') as ReturnType<typeof outcome>;
}
