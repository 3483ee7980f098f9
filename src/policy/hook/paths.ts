import { posix } from 'node:path';
import picomatch from 'picomatch';
import type { HookPolicy } from '../plan.js';
import { ALWAYS_PROTECTED } from '../control-paths.js';

/** A glob and whether it is worktree-relative or absolute (`~` already resolved). */
interface PathGlob {
  glob: string;
  absolute: boolean;
  match: (p: string) => boolean;
  /** The glob's literal directory part: naming it (`tar czf - ~/.ssh`) names what is under it. */
  base: string;
  /** A path the glob matches, for testing a glob argument against it (`cat .en*`). */
  sample: string;
}

/** The secret and control-plane globs of a tier, compiled once per policy. */
export interface PathRules {
  workspace: string;
  secret: PathGlob[];
  control: PathGlob[];
}

export type PathClass = 'secret' | 'control' | null;

const OPTS = { dot: true } as const;

function compileGlob(glob: string, absolute: boolean): PathGlob {
  const literal = glob.split('/');
  const cut = literal.findIndex((seg) => /[*?[{]/.test(seg));
  const base = (cut === -1 ? literal : literal.slice(0, cut)).join('/');
  const sample = glob
    .replace(/\*\*\//g, '')
    .replace(/\*\*/g, 'x')
    .replace(/[*?]/g, 'x');
  return { glob, absolute, match: picomatch(glob, OPTS), base, sample };
}

// Why Read/Edit deny rules count too: the tier names credential stores outside the worktree there
// (`Read(~/.ssh/**)`, `Read(//etc/shadow)`), and a Bash command reading them is the same read.
function ruleGlob(rule: string, home: string): PathGlob | null {
  const m = /^(?:Read|Edit|Write)\((.+)\)$/.exec(rule);
  const spec = m?.[1];
  if (spec === undefined) return null;
  if (spec.startsWith('//')) return compileGlob(spec.slice(1), true);
  if (spec.startsWith('~/')) return compileGlob(`${home}${spec.slice(1)}`, true);
  if (spec.startsWith('/')) return null; // project-root-relative in Claude Code; already in paths.secrets.
  return compileGlob(spec.replace(/^\.\//, ''), false);
}

/** Compiles a tier's path lists (and the always-protected control files) for the decider. */
export function pathRules(policy: HookPolicy, workspace: string, home: string): PathRules {
  const secret = policy.secretPaths.map((g) => compileGlob(g, false));
  for (const rule of policy.rules?.deny ?? []) {
    const g = ruleGlob(rule, home);
    if (g) secret.push(g);
  }
  const control = policy.protectedPaths.map((g) => compileGlob(g, false));
  for (const c of ALWAYS_PROTECTED) {
    control.push(compileGlob(c.path, false));
    if (c.kind === 'dir') control.push(compileGlob(`${c.path}/**`, false));
  }
  return { workspace, secret, control };
}

/** An absolute path, `..` and `.` resolved against the command's working directory. */
export function resolvePath(raw: string, cwd: string): string {
  return posix.resolve(cwd, raw);
}

/** The path as evidence shows it: worktree-relative inside the worktree, absolute outside. */
export function displayPath(abs: string, workspace: string): string {
  if (abs === workspace) return '.';
  return abs.startsWith(`${workspace}/`) ? abs.slice(workspace.length + 1) : abs;
}

function hits(globs: readonly PathGlob[], abs: string, rel: string | null, isGlob: boolean): boolean {
  // A glob argument (`cat .en*`, `cat ~/.ssh/*`) names what it would expand to: test it on samples.
  const expandsAbs = isGlob ? picomatch(abs, OPTS) : null;
  const expandsRel = isGlob && rel !== null ? picomatch(rel, OPTS) : null;
  return globs.some((g) => {
    const target = g.absolute ? abs : rel;
    if (target === null) return false;
    if (g.match(target) || target === g.base) return true;
    const expands = g.absolute ? expandsAbs : expandsRel;
    return expands !== null && expands(g.sample);
  });
}

/** Whether a resolved path is a tier secret or a control-plane path (secret wins). */
export function classifyPath(rules: PathRules, abs: string, isGlob = false): PathClass {
  const rel =
    abs === rules.workspace
      ? '.'
      : abs.startsWith(`${rules.workspace}/`)
        ? abs.slice(rules.workspace.length + 1)
        : null;
  if (hits(rules.secret, abs, rel, isGlob)) return 'secret';
  if (rel !== null && hits(rules.control, abs, rel, isGlob)) return 'control';
  return null;
}
