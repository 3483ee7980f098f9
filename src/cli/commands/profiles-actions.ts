import { stringify } from 'yaml';
import type { CliContext } from '../context.js';
import { loadOptionsFrom } from '../context.js';
import { line, printJson } from '../output.js';
import { listBuiltinProfiles, loadProfile, namedFiles, validateProfile } from '../../profile/load.js';
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

/** `ccbox profiles list`; returns the exit code. */
export function listProfiles(ctx: CliContext, opts: { json?: boolean }): number {
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
  return ExitCodes.ok;
}

/** `ccbox profiles show`; returns the exit code. */
export function showProfile(ctx: CliContext, ref: string, opts: { render?: string; json?: boolean }): number {
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
  return ExitCodes.ok;
}

/** `ccbox profiles validate`; returns the exit code. */
export function validateProfiles(
  ctx: CliContext,
  refs: string[],
  opts: { json?: boolean; strict?: boolean },
): number {
  const base = loadOptionsFrom(ctx);
  // Why: every file on the command line is one the user vouches for, so one may extend another.
  const opt = { ...base, namedFiles: namedFiles(refs, base) };
  const results = refs.map((ref) => {
    try {
      const r = validateProfile(ref, opt);
      // Why --strict exists: in CI a rule that does nothing should fail the pull request that adds it.
      const issues = opts.strict ? r.issues.map((i) => ({ ...i, severity: 'error' as const })) : r.issues;
      return {
        ref,
        valid: r.profile !== undefined && !issues.some((i) => i.severity === 'error'),
        issues,
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
  return results.every((r) => r.valid) ? ExitCodes.ok : ExitCodes.invalidInput;
}

/** `ccbox profiles schema`; returns the exit code. */
export function printSchema(ctx: CliContext): number {
  printJson(ctx.stdout, profileJsonSchema());
  return ExitCodes.ok;
}

/** `ccbox profiles diff`; returns the exit code. */
export function diffProfiles(
  ctx: CliContext,
  oldRef: string,
  newRef: string,
  opts: { json?: boolean },
): number {
  const base = loadOptionsFrom(ctx);
  const opt = { ...base, namedFiles: namedFiles([oldRef, newRef], base) };
  const a = compile(loadProfile(oldRef, opt).profile);
  const b = compile(loadProfile(newRef, opt).profile);
  const diff = diffPlans(a, b);
  if (opts.json) printJson(ctx.stdout, { old: oldRef, new: newRef, ...diff });
  else printDiff(ctx, oldRef, newRef, diff);
  return diff.weakens ? ExitCodes.checkFailed : ExitCodes.ok;
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
