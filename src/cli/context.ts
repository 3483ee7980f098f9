import os from 'node:os';
import type { Writable } from 'node:stream';
import { builtinProfilesDir } from '../paths.js';
import type { LoadOptions } from '../profile/load.js';
import type { Lifecycle } from './lifecycle.js';

/**
 * Everything a command may know about its surroundings, read once at start-up. Why: `process.env`
 * read deep in logic makes behaviour depend on hidden state; commands get it from here instead.
 */
export interface CliContext {
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  home: string;
  /** YYYY-MM-DD (UTC), for exception expiry. */
  today: string;
  stdout: Writable;
  stderr: Writable;
  stdinIsTTY: boolean;
  stdoutIsTTY: boolean;
  stderrIsTTY: boolean;
  /** The process's one lifecycle (main.ts); absent in-process (tests), where a command makes its own. */
  lifecycle?: Lifecycle;
}

export function createContext(lifecycle?: Lifecycle): CliContext {
  return {
    ...(lifecycle ? { lifecycle } : {}),
    env: { ...process.env },
    cwd: process.cwd(),
    home: os.homedir(),
    today: new Date().toISOString().slice(0, 10),
    stdout: process.stdout,
    stderr: process.stderr,
    stdinIsTTY: Boolean(process.stdin.isTTY),
    stdoutIsTTY: Boolean(process.stdout.isTTY),
    stderrIsTTY: Boolean(process.stderr.isTTY),
  };
}

export function loadOptionsFrom(ctx: CliContext): LoadOptions {
  return { builtinDir: builtinProfilesDir(), cwd: ctx.cwd, home: ctx.home, today: ctx.today };
}
