import type { Command } from 'commander';
import type { CliContext } from '../context.js';

// Why on demand: the shell parser's WASM and the profile loader are only needed by this command.
const actions = () => import('./policy-actions.js');

/** Registers `ccbox policy …`. The action returns its exit code; main.ts is the only place that exits. */
export function registerPolicy(program: Command, ctx: CliContext, done: (code: number) => void): void {
  const policy = program.command('policy').description('Test the tool-boundary policy the hooks enforce');
  policy
    .command('test')
    .description("Run hook fixtures against profiles' compiled policy; exit 1 on any mismatch")
    .argument('[fixtures...]', 'fixture files or directories (default: the shipped red-team set)')
    .option('--profile <profile>', 'a built-in name or a profile file (default: every built-in tier)')
    .option('--json', 'print every red-team record as JSON')
    .option('--failures', 'print only the failing cases')
    .action(async (fixtures: string[], opts: { profile?: string; json?: boolean; failures?: boolean }) =>
      done(await (await actions()).testPolicy(ctx, fixtures, opts)),
    );
}
