import type { Command } from 'commander';
import { stringify } from 'yaml';
import type { CliContext } from '../context.js';
import { loadOptionsFrom } from '../context.js';
import { line, printJson } from '../output.js';
import { listBuiltinProfiles, loadProfile, validateProfile } from '../../profile/load.js';
import { formatIssue } from '../../profile/issues.js';
import { profileJsonSchema } from '../../profile/json-schema.js';
import { compile } from '../../policy/compile/compile.js';
import { diffPlans, type PolicyDiff } from '../../policy/diff.js';
import { CcboxError } from '../../errors.js';
import { ExitCodes } from '../../exit-codes.js';
import type { SessionPlan } from '../../policy/plan.js';

type Render = 'settings' | 'mcp' | 'egress' | 'container' | 'hooks' | 'all';
const RENDERS: readonly Render[] = ['settings', 'mcp', 'egress', 'container', 'hooks', 'all'];

function rendered(plan: SessionPlan, what: Render): unknown {
  switch (what) {
    case 'settings':
      return plan.managedSettings;
    case 'mcp':
      return plan.managedMcp;
    case 'egress':
      return plan.egress;
    case 'container':
      return plan.container;
    case 'hooks':
      return plan.hookPolicy;
    case 'all':
      return plan;
  }
}

/** Registers `ccbox profiles …`. Each action returns its exit code; main.ts is the only place that exits. */
export function registerProfiles(program: Command, ctx: CliContext, done: (code: number) => void): void {
  const profiles = program
    .command('profiles')
    .description('List, show, validate and compare security profiles');

  profiles
    .command('list')
    .description('List the built-in tiers')
    .option('--json', 'print a JSON array on stdout')
    .action((opts: { json?: boolean }) => {
      const opt = loadOptionsFrom(ctx);
      const rows = listBuiltinProfiles(opt.builtinDir).map((name) => {
        const { profile } = loadProfile(name, opt);
        const plan = compile(profile);
        return {
          name,
          mode: profile.permissions.defaultMode,
          isolation: profile.isolation,
          extends: profile.chain.length > 1 ? profile.chain.at(-2) : null,
          policyVersion: plan.policyVersion,
          description: profile.description,
        };
      });
      if (opts.json) printJson(ctx.stdout, rows);
      else {
        for (const r of rows)
          line(ctx.stdout, `${r.name.padEnd(20)} ${r.mode.padEnd(11)} ${r.policyVersion}  ${r.description}`);
      }
      done(ExitCodes.ok);
    });

  profiles
    .command('show')
    .description('Show a resolved profile, or what it compiles to with --render')
    .argument('<profile>', 'a built-in name or a profile file')
    .option('--render <what>', `print the compiled ${RENDERS.join('|')} as JSON`)
    .option('--json', 'print the resolved profile as JSON instead of YAML')
    .action((ref: string, opts: { render?: string; json?: boolean }) => {
      const { profile, warnings } = loadProfile(ref, loadOptionsFrom(ctx));
      for (const w of warnings) line(ctx.stderr, formatIssue(w));
      if (opts.render !== undefined) {
        if (!RENDERS.includes(opts.render as Render)) {
          throw new CcboxError(`--render ${opts.render} is not a render target`, {
            code: 'USAGE',
            exitCode: ExitCodes.invalidInput,
            hint: `use one of ${RENDERS.join(', ')}`,
          });
        }
        printJson(ctx.stdout, rendered(compile(profile), opts.render as Render));
      } else if (opts.json) printJson(ctx.stdout, profile);
      else ctx.stdout.write(stringify(profile));
      done(ExitCodes.ok);
    });

  profiles
    .command('validate')
    .description('Validate profile files; one line per problem, exit 2 when any is invalid')
    .argument('<profiles...>', 'built-in names or profile files')
    .option('--json', 'print the results as JSON')
    .action((refs: string[], opts: { json?: boolean }) => {
      const opt = loadOptionsFrom(ctx);
      const results = refs.map((ref) => {
        try {
          const r = validateProfile(ref, opt);
          return {
            ref,
            valid: r.profile !== undefined,
            issues: r.issues,
            policyVersion: r.profile ? compile(r.profile).policyVersion : null,
          };
        } catch (err) {
          if (!(err instanceof CcboxError)) throw err;
          return {
            ref,
            valid: false,
            issues: [
              {
                severity: 'error' as const,
                file: ref,
                path: '',
                message: `${err.message}${err.hint ? `; ${err.hint}` : ''}`,
              },
            ],
            policyVersion: null,
          };
        }
      });
      if (opts.json) printJson(ctx.stdout, results);
      for (const r of results) {
        for (const issue of r.issues) line(ctx.stderr, formatIssue(issue));
        if (!opts.json)
          line(
            ctx.stdout,
            `${r.valid ? 'ok     ' : 'invalid'} ${r.ref}${r.policyVersion ? `  (policy ${r.policyVersion})` : ''}`,
          );
      }
      done(results.every((r) => r.valid) ? ExitCodes.ok : ExitCodes.invalidInput);
    });

  profiles
    .command('schema')
    .description('Print the JSON Schema of the profile format')
    .action(() => {
      printJson(ctx.stdout, profileJsonSchema());
      done(ExitCodes.ok);
    });

  profiles
    .command('diff')
    .description('Compare what two profiles compile to; exit 1 when NEW weakens OLD')
    .argument('<old>', 'built-in name or file')
    .argument('<new>', 'built-in name or file')
    .option('--json', 'print the diff as JSON')
    .action((oldRef: string, newRef: string, opts: { json?: boolean }) => {
      const opt = loadOptionsFrom(ctx);
      const a = compile(loadProfile(oldRef, opt).profile);
      const b = compile(loadProfile(newRef, opt).profile);
      const diff = diffPlans(a, b);
      if (opts.json) printJson(ctx.stdout, { old: oldRef, new: newRef, ...diff });
      else printDiff(ctx, oldRef, newRef, diff);
      done(diff.weakens ? ExitCodes.checkFailed : ExitCodes.ok);
    });
}

function printDiff(ctx: CliContext, oldRef: string, newRef: string, diff: PolicyDiff): void {
  line(ctx.stdout, `${oldRef} (${diff.oldVersion}) -> ${newRef} (${diff.newVersion})`);
  for (const c of diff.changes) {
    const sign = c.kind === 'added' ? '+' : c.kind === 'removed' ? '-' : '~';
    const value = c.kind === 'changed' ? `${c.before} -> ${c.after}` : (c.after ?? c.before ?? '');
    line(ctx.stdout, `${c.weakens ? 'WEAKENS ' : '        '}${sign} ${c.area}.${c.field}: ${value}`);
  }
  const weak = diff.changes.filter((c) => c.weakens).length;
  line(
    ctx.stdout,
    `${diff.changes.length} change${diff.changes.length === 1 ? '' : 's'}, ${weak} weaken${weak === 1 ? 's' : ''} the policy`,
  );
}
