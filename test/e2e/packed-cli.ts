import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { packageRoot } from '../../src/paths.js';
import { cliEnv } from '../docker/cli.js';

const run = promisify(execFile);

/** ccbox as a user gets it: `npm pack` of this checkout, installed with npm into a temporary prefix. */
export interface PackedCli extends AsyncDisposable {
  /** The installed `ccbox` executable (prefix/bin/ccbox). */
  bin: string;
}

/** Packs and installs; dependencies come from npm's cache when they are there (the suite runs offline). */
export async function installPackedCli(): Promise<PackedCli> {
  const dir = await mkdtemp(path.join(tmpdir(), 'ccbox-e2e-packed-'));
  const npmOpts = { cwd: packageRoot(), maxBuffer: 16 * 1024 * 1024, timeout: 300_000 };
  const { stdout } = await run('npm', ['pack', '--silent', '--pack-destination', dir], npmOpts);
  const tarball = path.join(dir, stdout.trim().split('\n').at(-1) ?? '');
  const prefix = path.join(dir, 'prefix');
  await run(
    'npm',
    ['install', '--global', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', tarball],
    npmOpts,
  );
  return {
    bin: path.join(prefix, 'bin', 'ccbox'),
    [Symbol.asyncDispose]: () => rm(dir, { recursive: true, force: true }),
  };
}

export interface PackedRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
}

/**
 * Runs the installed ccbox with the test bed's environment. Why report `timedOut` and `signal` apart
 * from the code: a run that was killed has no exit code, and the tests must never read that as 0.
 */
export function runPacked(
  bin: string,
  args: readonly string[],
  opts: { cwd: string; env?: Record<string, string>; timeoutMs?: number },
): Promise<PackedRun> {
  const child = spawn(bin, [...args], {
    cwd: opts.cwd,
    env: cliEnv(opts.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let timedOut = false;
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGTERM');
  }, opts.timeoutMs ?? 240_000);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, timedOut, stdout, stderr });
    });
  });
}

/** Fails unless the run ended by itself with exit 0: a timeout or a signal is a failure, not a pass. */
export function assertCleanExit(r: PackedRun): void {
  if (r.timedOut) throw new Error(`ccbox timed out and was killed; stderr:\n${r.stderr}`);
  if (r.signal !== null) throw new Error(`ccbox died of ${r.signal}; stderr:\n${r.stderr}`);
  if (r.code !== 0) throw new Error(`ccbox exited ${r.code}; stderr:\n${r.stderr}`);
}
