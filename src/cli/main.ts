#!/usr/bin/env node
import path from 'node:path';
import { Command, CommanderError } from 'commander';
import { createContext, type CliContext } from './context.js';
import { reportError } from './output.js';
import { registerProfiles } from './commands/profiles.js';
import { registerRun } from './commands/run.js';
import { registerImage } from './commands/image.js';
import { registerDoctor } from './commands/doctor.js';
import { registerSessions } from './commands/sessions.js';
import { ExitCodes } from '../exit-codes.js';
import { ccboxVersion } from '../paths.js';

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
  1    a check failed (profiles diff: NEW weakens OLD; doctor: a problem found)
  2    invalid input (flags, profile, worktree); nothing was started
  3    the container engine is not reachable
  4    an image build failed
  5    the sandbox could not start; everything created was removed
  70   internal error
  130  interrupted (Ctrl-C)
  143  terminated (SIGTERM)`,
    );
  registerRun(program, ctx, done);
  registerProfiles(program, ctx, done);
  registerDoctor(program, ctx, done);
  registerSessions(program, ctx, done);
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

const invokedDirectly =
  process.argv[1] !== undefined && import.meta.url === `file://${path.resolve(process.argv[1])}`;
if (invokedDirectly || process.argv[1]?.endsWith('/ccbox')) {
  const code = await main(process.argv.slice(2));
  process.exit(code);
}
