import type { Command } from 'commander';
import type { CliContext } from '../context.js';

// Why the actions are loaded on demand: they pull in yaml and zod (most of a second), which `ccbox run`
// with a cached plan, `--help` and `--version` never need.
const actions = () => import('./profiles-actions.js');
const RENDERS = 'settings|mcp|egress|container|hooks|all';

/** Registers `ccbox profiles …`. Each action returns its exit code; main.ts is the only place that exits. */
export function registerProfiles(program: Command, ctx: CliContext, done: (code: number) => void): void {
  const profiles = program
    .command('profiles')
    .description('List, show, validate and compare security profiles');
  profiles
    .command('list')
    .description('List the built-in tiers')
    .option('--json', 'print a JSON array on stdout')
    .action(async (opts: { json?: boolean }) => done((await actions()).listProfiles(ctx, opts)));
  profiles
    .command('show')
    .description('Show a resolved profile, or what it compiles to with --render')
    .argument('<profile>', 'a built-in name or a profile file')
    .option('--render <what>', `print the compiled ${RENDERS} as JSON`)
    .option('--json', 'print the resolved profile as JSON instead of YAML')
    .action(async (ref: string, opts: { render?: string; json?: boolean }) =>
      done((await actions()).showProfile(ctx, ref, opts)),
    );
  profiles
    .command('validate')
    .description('Validate profile files; one line per problem, exit 2 when any is invalid')
    .argument('<profiles...>', 'built-in names or profile files')
    .option('--json', 'print the results as JSON')
    .option('--strict', 'treat warnings (rules with no effect, duplicates, expired exceptions) as errors')
    .action(async (refs: string[], opts: { json?: boolean; strict?: boolean }) =>
      done((await actions()).validateProfiles(ctx, refs, opts)),
    );
  profiles
    .command('schema')
    .description('Print the JSON Schema of the profile format')
    .action(async () => done((await actions()).printSchema(ctx)));
  profiles
    .command('diff')
    .description('Compare what two profiles compile to; exit 1 when NEW weakens OLD')
    .argument('<old>', 'built-in name or file')
    .argument('<new>', 'built-in name or file')
    .option('--json', 'print the diff as JSON')
    .action(async (oldRef: string, newRef: string, opts: { json?: boolean }) =>
      done((await actions()).diffProfiles(ctx, oldRef, newRef, opts)),
    );
}
