import os from 'node:os';
import { startCli, type CliRun } from './cli.js';
import { createdObjects, dockerEngine } from './testbed/engines.js';

// The CLI side of the workspace-boundary tests: sessions, their outcome, what they created, and the
// tokens the agent's scripts print.

/**
 * A script line that prints ESCAPED:<name> when `cmd` succeeds. Why the split spelling: the token must
 * not appear in the script text itself, in case a reporter ever echoes the command.
 */
export const attempt = (name: string, cmd: string): string => `(${cmd}) && echo "ESC""APED:${name}"`;
/** A script line that prints STEP-FAILED:<name> when `cmd` fails (a step that must keep working). */
export const must = (name: string, cmd: string): string => `(${cmd}) || echo "STEP-""FAILED:${name}"`;

const tokens = (text: string, token: string): string[] =>
  [...text.matchAll(new RegExp(`${token}:(\\S+)`, 'g'))].map((m) => m[1] ?? '');
export const escapes = (text: string): string[] => tokens(text, 'ESCAPED');
export const stepFailures = (text: string): string[] => tokens(text, 'STEP-FAILED');

/** The outcome fields the workspace boundary adds, on top of cli.ts's outcome(). */
export interface GitLanding {
  startBranch: string | null;
  startCommit: string;
  commits: number;
  landedOn: string | null;
  head: string | null;
  unstaged: boolean;
  kept: string | null;
}

export interface Leftover {
  path: string;
  kind: 'git-dir' | 'git-file' | 'symlink' | 'control-file';
  target?: string;
  action: string;
}

export interface BoundaryOutcome {
  ok?: boolean;
  exitCode?: number;
  session?: string | null;
  steps?: Array<{ step: string; detail?: string | null; error?: string }>;
  error?: { code: string; message: string; hint?: string };
  git?: GitLanding;
  leftovers?: Leftover[];
  controlChanges?: string[];
}

/** The last stdout line as the outcome; {} when there is none (a crash is then visible in the asserts). */
export function boundaryOutcome(run: CliRun): BoundaryOutcome {
  const last = run.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(last) as BoundaryOutcome;
  } catch {
    return {};
  }
}

/** A running CLI whose output the test can wait on. */
export interface LiveCli {
  pid: number;
  startedAt: number;
  output(): string;
  until(text: string, ms?: number): Promise<void>;
  kill(signal: NodeJS.Signals): void;
  done: Promise<CliRun>;
}

export function liveCli(args: string[], opts: { cwd: string; env?: Record<string, string> }): LiveCli {
  const startedAt = Math.floor(Date.now() / 1000) - 1;
  const child = startCli(args, opts);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  const done = new Promise<CliRun>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  const output = (): string => `${stdout}\n${stderr}`;
  let closed = false;
  void done.then(() => (closed = true));
  return {
    pid: child.pid ?? 0,
    startedAt,
    output,
    async until(text, ms = 240_000) {
      const end = Date.now() + ms;
      while (!output().includes(text)) {
        if (closed || Date.now() > end)
          throw new Error(`waited for ${JSON.stringify(text)}; output so far:\n${output()}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    },
    kill: (signal) => void child.kill(signal),
    done,
  };
}

/**
 * Containers a ccbox process created (from the engine's event log, by the owner label) and networks it
 * left. Why events: a refusal must start nothing, and a well-behaved teardown would hide what it started.
 */
export async function createdBy(pid: number, since: number): Promise<string[]> {
  const owner = `dev.ccbox.owner=${os.hostname()}:${pid}`;
  const engine = await dockerEngine();
  const until = Math.ceil(Date.now() / 1000) + 1;
  const created = await createdObjects(engine, { since, until, labels: [owner] });
  const networks = await engine.listNetworks({ filters: { label: [owner] } });
  return [...created, ...networks.map((n) => `network ${n.Name}`)];
}

export interface SessionRun {
  run: CliRun;
  out: BoundaryOutcome;
  /** Everything the command and ccbox printed (with --json the command's output is on stderr). */
  text: string;
  /** Containers and networks the ccbox process created. */
  created: string[];
}

/** The argv of `ccbox shell --json` running `sh -c script` (regulated unless told otherwise). */
export const shellArgs = (script: string, opts: { profile?: string; args?: string[] } = {}): string[] => [
  'shell',
  '--profile',
  opts.profile ?? 'regulated',
  '--json',
  ...(opts.args ?? []),
  '--',
  'sh',
  '-c',
  script,
];

/** One `ccbox shell --json` session running `sh -c script` in `cwd`. */
export async function shellSession(
  cwd: string,
  script: string,
  opts: { profile?: string; args?: string[]; env?: Record<string, string>; watch?: boolean } = {},
): Promise<SessionRun> {
  const live = liveCli(shellArgs(script, opts), { cwd, ...(opts.env ? { env: opts.env } : {}) });
  const run = await live.done;
  return {
    run,
    out: boundaryOutcome(run),
    text: `${run.stdout}\n${run.stderr}`,
    created: opts.watch ? await createdBy(live.pid, live.startedAt) : [],
  };
}

/** Steps of a session that start something: none of them may appear when a session is refused. */
export const startedSteps = (o: BoundaryOutcome): string[] =>
  (o.steps ?? []).map((s) => s.step).filter((s) => ['network', 'gate', 'container'].includes(s));
