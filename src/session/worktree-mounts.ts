import { existsSync, lstatSync, mkdirSync, readdirSync, realpathSync, rmdirSync } from 'node:fs';
import path from 'node:path';
import picomatch from 'picomatch';
import type { MountSpec } from './engine.js';
import type { ContainerPlan } from '../policy/plan.js';
import { ALWAYS_READ_ONLY } from '../policy/compile/compile.js';

export const WORKSPACE = '/workspace';

/** Where the empty stand-ins for masked and missing paths come from on the host. */
export interface MaskSources {
  /** An empty directory (read-only in the container). */
  emptyDir: string;
  /** An empty file; /dev/null works on every engine. */
  emptyFile: string;
}

export interface WorktreeMounts {
  mounts: MountSpec[];
  /** Worktree-relative paths mounted read-only. */
  readOnly: string[];
  /** Worktree-relative paths masked. */
  masked: string[];
  /** Host directories ccbox created as mount points for missing control paths; removed after the session. */
  placeholders: string[];
  /** Things the caller should tell the user (e.g. the walk was cut short). */
  warnings: string[];
}

const GLOB_CHARS = /[*?[\]{}]/;
/** Why skipped: they are large and hold no project control files or secrets the agent could not recreate. */
const SKIP_DIRS = new Set(['.git', 'node_modules']);
const MAX_ENTRIES = 200_000;
const MAX_MOUNTS = 400;

interface Entry {
  rel: string;
  dir: boolean;
}

/** Lists the worktree once (bounded), for glob matching; `start` limits it to a subtree. */
function walk(root: string, warnings: string[], start = '', skip: ReadonlySet<string> = SKIP_DIRS): Entry[] {
  const out: Entry[] = [];
  const stack = [start];
  while (stack.length > 0) {
    const rel = stack.pop() as string;
    let names: string[];
    try {
      names = readdirSync(path.join(root, rel));
    } catch {
      continue;
    }
    for (const name of names) {
      const childRel = rel === '' ? name : `${rel}/${name}`;
      let dir: boolean;
      try {
        dir = lstatSync(path.join(root, childRel)).isDirectory();
      } catch {
        continue;
      }
      out.push({ rel: childRel, dir });
      if (out.length >= MAX_ENTRIES) {
        warnings.push(
          `the worktree has more than ${MAX_ENTRIES} entries; protected and secret globs were matched against the first ${MAX_ENTRIES} only`,
        );
        return out;
      }
      if (dir && !skip.has(name)) stack.push(childRel);
    }
  }
  return out;
}

/** `deploy/**` → `deploy`; other patterns → null. */
function literalDirOf(pattern: string): string | null {
  if (!pattern.endsWith('/**')) return null;
  const prefix = pattern.slice(0, -3);
  return GLOB_CHARS.test(prefix) ? null : prefix;
}

function kindOf(abs: string): 'dir' | 'file' | 'missing' {
  try {
    return lstatSync(abs).isDirectory() ? 'dir' : 'file';
  } catch {
    return 'missing';
  }
}

/**
 * Worktree-relative paths a pattern selects (literal paths, `dir/**`, or globs matched by the walk).
 * Symbolic links are resolved: a link that stays inside the worktree selects its target (so the target
 * is what gets protected); a link that leaves it selects nothing, because the target does not exist in
 * the container.
 */
function select(pattern: string, root: string, entries: (gitSubtree: boolean) => Entry[]): string[] {
  const clean = pattern.replace(/^\.\//, '').replace(/\/+$/, '');
  const literal = literalDirOf(clean) ?? (GLOB_CHARS.test(clean) ? null : clean);
  const found =
    literal !== null
      ? kindOf(path.join(root, literal)) === 'missing'
        ? []
        : [literal]
      : globbed(clean, entries(clean.startsWith('.git/')));
  return found.flatMap((rel) => resolveLink(root, rel));
}

function globbed(pattern: string, list: Entry[]): string[] {
  const match = picomatch(pattern, { dot: true });
  return list.filter((e) => match(e.rel)).map((e) => e.rel);
}

function resolveLink(root: string, rel: string): string[] {
  const abs = path.join(root, rel);
  if (!lstatSync(abs).isSymbolicLink()) return [rel];
  let real: string;
  try {
    real = realpathSync(abs);
  } catch {
    return []; // dangling
  }
  const realRoot = realpathSync(root);
  return real.startsWith(`${realRoot}/`) ? [path.relative(realRoot, real)] : [];
}

/** Is `rel` inside (or equal to) one of `parents`? */
const under = (rel: string, parents: Iterable<string>): boolean => {
  for (const p of parents) if (rel === p || rel.startsWith(`${p}/`)) return true;
  return false;
};

/**
 * Plans the mounts that go on top of the worktree bind: control and protected paths read-only, secret
 * files masked. Missing control paths (.claude, .mcp.json, .git/hooks, .github/workflows) get an empty
 * read-only directory as a stand-in. Why: otherwise the agent could create .claude/settings.json or a git
 * hook that runs on the host the next time the user works in the repository.
 */
export function planWorktreeMounts(
  root: string,
  plan: Pick<ContainerPlan, 'readOnlyPaths' | 'maskedPaths'>,
  sources: MaskSources,
): WorktreeMounts {
  const warnings: string[] = [];
  let cache: Entry[] | undefined;
  let gitCache: Entry[] | undefined;
  // Why a second walk: the main walk skips .git, but submodule hooks and config live in .git/modules.
  const entries = (gitSubtree: boolean): Entry[] =>
    gitSubtree
      ? (gitCache ??= walk(root, warnings, '.git/modules', new Set(['objects', 'refs', 'logs'])))
      : (cache ??= walk(root, warnings));

  const masked = new Set<string>();
  for (const pattern of plan.maskedPaths) for (const rel of select(pattern, root, entries)) masked.add(rel);
  // A secret inside a masked directory is hidden already (and its mount point would not exist).
  for (const rel of [...masked])
    if (
      under(
        rel,
        [...masked].filter((o) => o !== rel),
      )
    )
      masked.delete(rel);

  const readOnly = new Set<string>();
  const placeholders: string[] = [];
  const controlPaths = new Set<string>(ALWAYS_READ_ONLY.filter((p) => !GLOB_CHARS.test(p)));
  for (const pattern of plan.readOnlyPaths) {
    const found = select(pattern, root, entries);
    for (const rel of found) readOnly.add(rel);
    const literal = literalDirOf(pattern) ?? pattern;
    const isLink =
      kindOf(path.join(root, literal)) !== 'missing' && lstatSync(path.join(root, literal)).isSymbolicLink();
    // Inside .git only where git itself keeps things (a missing .git/hooks means git is not used).
    const inGit = literal.startsWith('.git/');
    if (
      found.length === 0 &&
      controlPaths.has(literal) &&
      !isLink &&
      (!inGit || existsSync(path.join(root, path.dirname(literal))))
    ) {
      placeholders.push(...makeDirs(root, literal));
      readOnly.add(literal);
    }
  }
  // A masked path inside a read-only directory is still masked; a read-only path inside a masked
  // directory is hidden anyway, so drop it.
  for (const rel of [...readOnly]) if (under(rel, masked)) readOnly.delete(rel);
  // Nested read-only paths under a read-only directory add nothing.
  for (const rel of [...readOnly]) {
    const others = [...readOnly].filter((o) => o !== rel);
    if (under(rel, others)) readOnly.delete(rel);
  }

  const mounts: MountSpec[] = [];
  for (const rel of readOnly) {
    const isPlaceholder = placeholders[0] !== undefined && placeholders.includes(path.join(root, rel));
    mounts.push({
      type: 'bind',
      source: isPlaceholder ? sources.emptyDir : path.join(root, rel),
      target: `${WORKSPACE}/${rel}`,
      readOnly: true,
    });
  }
  for (const rel of masked) {
    const dir = kindOf(path.join(root, rel)) === 'dir';
    mounts.push({
      type: 'bind',
      source: dir ? sources.emptyDir : sources.emptyFile,
      target: `${WORKSPACE}/${rel}`,
      readOnly: true,
    });
  }
  if (mounts.length > MAX_MOUNTS) {
    warnings.push(
      `${mounts.length} protected or secret paths matched; consider directory patterns (dir/**) in the profile`,
    );
  }
  // Parents before children, so a mask inside a read-only directory lands on top of it.
  mounts.sort(
    (a, b) => a.target.split('/').length - b.target.split('/').length || (a.target < b.target ? -1 : 1),
  );
  return { mounts, readOnly: [...readOnly].sort(), masked: [...masked].sort(), placeholders, warnings };
}

/** mkdir -p that returns every directory it created, deepest first. */
function makeDirs(root: string, rel: string): string[] {
  const created: string[] = [];
  let cur = root;
  for (const part of rel.split('/')) {
    cur = path.join(cur, part);
    if (!existsSync(cur)) {
      mkdirSync(cur);
      created.unshift(cur);
    }
  }
  return created;
}

/** Removes the stand-in directories ccbox created (deepest first), if they are still empty. */
export function removePlaceholders(placeholders: readonly string[]): void {
  for (const dir of placeholders) {
    try {
      rmdirSync(dir);
    } catch {
      // Not empty (someone put something there) or already gone: leave it.
    }
  }
}
