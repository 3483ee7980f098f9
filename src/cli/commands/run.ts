import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import type { RunFlags } from './run-session.js';

// Why the session code is loaded inside the action: it pulls in the engine SDK and the session layer,
// which `ccbox --help` and `ccbox profiles` should not pay for.
const runSession = async (
  ctx: CliContext,
  flags: RunFlags,
  role: 'agent' | 'shell',
  args: string[],
): Promise<number> => (await import('./run-session.js')).runSession(ctx, flags, role, args);

function addSessionOptions(cmd: Command): Command {
  return cmd
    .option('-p, --profile <profile>', 'security profile: a built-in name or a file', 'low-risk')
    .option('--worktree', 'work in a fresh worktree on a new branch ccbox/<session>')
    .option('--plain', 'plain progress lines on stderr instead of the terminal UI')
    .option('--json', 'one JSON outcome line on stdout')
    .option(
      '--base-image <image>',
      'local base image (default: the profile, CCBOX_BASE_IMAGE, or ccbox/base:bookworm)',
    )
    .option(
      '--ca-file <pem>',
      'extra CA bundle to trust (default: the profile tls.extraCaCerts, or CCBOX_EXTRA_CA_CERTS)',
    );
}

/** Registers `ccbox run` and `ccbox shell`. */
export function registerRun(program: Command, ctx: CliContext, done: (code: number) => void): void {
  addSessionOptions(
    program.command('run').description('Run Claude Code in the sandbox (arguments after -- go to claude)'),
  )
    .argument('[claudeArgs...]', 'arguments for claude')
    .action(async (claudeArgs: string[], flags: RunFlags) =>
      done(await runSession(ctx, flags, 'agent', claudeArgs)),
    );
  addSessionOptions(
    program.command('shell').description('Open a shell (or run a command) in the same sandbox'),
  )
    .argument('[command...]', 'command to run instead of an interactive shell')
    .action(async (command: string[], flags: RunFlags) =>
      done(await runSession(ctx, flags, 'shell', command)),
    );
}
