import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import type { VerifyFlags } from './verify-actions.js';

// Why on demand: verify pulls in the session machinery and the scenario loader only when it runs.
const actions = () => import('./verify-actions.js');

const collect = (value: string, previous: string[]): string[] => [...previous, value];

/** Registers `ccbox verify`. The action returns its exit code; main.ts is the only place that exits. */
export function registerVerify(program: Command, ctx: CliContext, done: (code: number) => void): void {
  program
    .command('verify')
    .description(
      'Red-team the deployment: drive the real Claude Code, image and gate through the known attack paths; exit 1 when any case fails',
    )
    .option(
      '--profile <profile>',
      'a built-in tier or a profile file, repeatable (default: every built-in tier)',
      collect,
      [],
    )
    .option('--scenario <name>', 'run only this scenario, repeatable (default: all)', collect, [])
    .option(
      '--scenarios <dir>',
      "a folder of the team's own scenario files, next to the built-in ones",
      collect,
      [],
    )
    .option('--jobs <n>', 'cases run at the same time (default: 2)')
    .option('--json', 'print every record as one JSON document on stdout')
    .option('--junit <file>', 'also write a JUnit XML report to this file')
    .action(async (opts: VerifyFlags) => done(await (await actions()).verify(ctx, opts)));
}
