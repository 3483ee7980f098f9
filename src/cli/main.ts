#!/usr/bin/env node
import path from 'node:path';
import { Command, CommanderError } from 'commander';
import { createContext, type CliContext } from './context.js';
import { reportError } from './output.js';
import { registerProfiles } from './commands/profiles.js';
import { registerPolicy } from './commands/policy.js';
import { registerRun } from './commands/run.js';
import { registerImage } from './commands/image.js';
import { registerDoctor } from './commands/doctor.js';
import { registerSessions } from './commands/sessions.js';
import { registerAudit } from './commands/audit.js';
import { registerVerify } from './commands/verify.js';
import { ExitCodes } from '../exit-codes.js';
import { describeError } from '../errors.js';
import { ccboxVersion } from '../paths.js';
import { createLifecycle } from './lifecycle.js';
import { readSettings } from './settings.js';

/** Builds the command tree. Actions report their exit code through `done`; nothing below here exits. */
export function buildProgram(ctx: CliContext, done: (code: number) => void): Command {
  const program = new Command('ccbox')
    .description(
      'Run Claude Code in a locked-down container: one worktree mount, no host credentials, egress only through the gate.',
    )
    .version(ccboxVersion())
    .exitOverride()
    .configureOutput({ writeOut: (s) => ctx.stdout.write(s), writeErr: (s) => ctx.stderr.write(s) })
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText(
      'after',
      `
Exit codes:
  0    success (run/shell: the exit code of Claude Code or the command)
  1    a check failed (profiles diff: NEW weakens OLD; doctor: a problem found; policy test: a case failed)
  2    invalid input (flags, profile, worktree); nothing was started
  3    the container engine is not reachable
  4    an image build failed
  5    the sandbox could not start; everything created was removed
  70   internal error
  129  hung up (SIGHUP)
  130  interrupted (Ctrl-C)
  141  stdout or stderr was closed by its reader (| head); the session was ended
  143  terminated (SIGTERM)`,
    );
  registerRun(program, ctx, done);
  registerProfiles(program, ctx, done);
  registerPolicy(program, ctx, done);
  registerDoctor(program, ctx, done);
  registerSessions(program, ctx, done);
  registerAudit(program, ctx, done);
  registerVerify(program, ctx, done);
  registerImage(program, ctx, done);
  return program;
}

/** Runs ccbox with argv; returns the exit code. The only caller of process.exit is below. */
export async function main(argv: readonly string[], ctx: CliContext = createContext()): Promise<number> {
  let code: number = ExitCodes.ok;
  const program = buildProgram(ctx, (c) => {
    code = c;
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.exitCode === 0 ? ExitCodes.ok : ExitCodes.invalidInput;
    }
    return reportError(ctx.stderr, err);
  }
  return code;
}

/** How long the top-level handler waits, after an early end, for the command to unwind and for teardown. */
const UNWIND_LIMIT_MS = 25_000;

/**
 * The one way out of the process. Why one: every way out (the command's end, a signal, a closed stdout
 * or stderr, a broken engine connection, an uncaught exception or rejection) must first remove what the
 * session created, within a time limit, and then exit with a code from the exit-code table.
 */
async function runAsProcess(argv: readonly string[]): Promise<never> {
  const exit = (code: number): never => process.exit(code);
  const life = createLifecycle({ outputs: [process.stdout, process.stderr], onForcedExit: exit });
  const fatal = (err: unknown): void => {
    // A write to a pipe whose reader left surfaces as an uncaught EPIPE from whichever stream wrote.
    if ((err as { code?: unknown } | null)?.code === 'EPIPE') {
      life.abort('stdout or stderr was closed', ExitCodes.outputClosed);
      return;
    }
    if (life.abortExitCode() === undefined) {
      try {
        reportError(process.stderr, err);
      } catch {
        // stderr itself may be gone; the exit code still says what happened.
      }
    }
    life.abort(`internal error: ${describeError(err)}`, ExitCodes.internal);
  };
  process.on('uncaughtException', fatal);
  process.on('unhandledRejection', fatal);
  const ctx = createContext(life);
  // Why: the session code and execa are loaded on demand, and compiling them is a good part of a start
  // (execa alone ~140 ms here). V8's code cache lives in ccbox's own cache directory, never a shared /tmp
  // one another user could seed.
  process
    .getBuiltinModule('node:module')
    .enableCompileCache?.(path.join(readSettings(ctx).cacheDir, 'v8-compile-cache'));
  const run = main(argv, ctx);
  const aborted = new Promise<void>((resolve) =>
    life.signal.addEventListener('abort', () => resolve(), { once: true }),
  );
  const code = await Promise.race([run, aborted.then(() => life.withTimeLimit(() => run, UNWIND_LIMIT_MS))]);
  await life.teardown(UNWIND_LIMIT_MS);
  return exit(life.abortExitCode() ?? code ?? ExitCodes.internal);
}

const invokedDirectly =
  process.argv[1] !== undefined && import.meta.url === `file://${path.resolve(process.argv[1])}`;
if (invokedDirectly || process.argv[1]?.endsWith('/ccbox')) {
  await runAsProcess(process.argv.slice(2));
}
