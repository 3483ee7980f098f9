import { lchownSync, mkdirSync, realpathSync, rmdirSync } from 'node:fs';
import { mustChown, type Owner } from './owner.js';
import path from 'node:path';
import picomatch from 'picomatch';
import type { ContainerPlan } from '../policy/plan.js';
import { ALWAYS_PROTECTED, type ControlPath } from '../policy/control-paths.js';
import type { WorktreeScan } from './scan.js';
import { cleanPattern, firstLink, isGlob, isUnder, kindOf, linkRefusal } from './paths.js';
import { WORKSPACE, type BindMount } from './session-git.js';

/** Where the empty stand-ins for masked and missing paths come from on the host. */
export interface MaskSources {
  /** An empty directory (read-only in the container). */
  emptyDir: string;
  /** An empty file; /dev/null works on every engine. */
  emptyFile: string;
}

export interface WorktreeMounts {
  mounts: BindMount[];
  /** Worktree-relative paths mounted read-only. */
  readOnly: string[];
  /** Worktree-relative paths masked. */
  masked: string[];
  /** Host directories ccbox created as mount points for missing control paths; removed after the session. */
  placeholders: string[];
  /** Control files that did not exist at the start: created during the session, they are quarantined. */
  missingControlFiles: string[];
  /** Control paths that exist (hashed at start and end). */
  controlPaths: string[];
  /** Things the caller should tell the user. */
  warnings: string[];
}

/** Extra control paths of this repository: its core.hooksPath, and nested git entries. */
export interface RepositoryControl {
  hooksPathInside: string | undefined;
  /** Who the stand-ins ccbox creates belong to (the agent may write beside them, e.g. .github/x.yml). */
  owner?: Owner | undefined;
}

const MAX_MOUNTS = 400;

/** `deploy/**` → `deploy`; other patterns → null. */
function literalDirOf(pattern: string): string | null {
  if (!pattern.endsWith('/**')) return null;
  const prefix = pattern.slice(0, -3);
  return isGlob(prefix) ? null : prefix;
}

const inGitDir = (p: string): boolean => p === '.git' || p.startsWith('.git/');

/**
 * Worktree-relative paths a profile pattern selects. Links: a path with a link in its middle selects
 * nothing (in the container it leads somewhere else; on the host it must never be a mount source); a
 * path that is itself a link selects its target when that stays inside the worktree, link-free.
 */
function select(pattern: string, root: string, scan: WorktreeScan, warnings: string[]): string[] {
  const clean = cleanPattern(pattern);
  if (inGitDir(clean)) return []; // the session git dir is ccbox's own; the host's is never mounted
  const literal = literalDirOf(clean) ?? (isGlob(clean) ? null : clean);
  let found: string[];
  if (literal !== null) found = kindOf(path.join(root, literal)) === 'missing' ? [] : [literal];
  else {
    const match = picomatch(clean, { dot: true });
    found = scan.entries.filter((e) => match(e.rel)).map((e) => e.rel);
  }
  return found.flatMap((rel) => {
    const link = firstLink(root, rel);
    if (link === undefined) return [rel];
    if (link !== rel) return [];
    const target = resolveInside(root, rel);
    if (target === undefined)
      warnings.push(`${rel} is a link out of the worktree: the pattern ${pattern} does not cover it`);
    return target === undefined ? [] : [target];
  });
}

function resolveInside(root: string, rel: string): string | undefined {
  let real: string;
  try {
    real = realpathSync(path.join(root, rel));
  } catch {
    return undefined; // dangling
  }
  return real.startsWith(`${root}/`) ? path.relative(root, real) : undefined;
}

/**
 * Plans the mounts that go on top of the worktree bind. Control and protected paths are read-only;
 * secret files are masked; missing control directories get an empty read-only stand-in (otherwise the
 * agent could create .claude/settings.json or a CI workflow that runs later). Every ancestor of a
 * read-only path is a mount point of its own (a bind of itself), because a directory that holds a mount
 * point can still be renamed and a fresh one put in its place; a mount point cannot.
 * `root` must be a real path (no links in it).
 */
export function planWorktreeMounts(
  root: string,
  plan: Pick<ContainerPlan, 'readOnlyPaths' | 'maskedPaths'>,
  sources: MaskSources,
  scan: WorktreeScan,
  repo: RepositoryControl,
): WorktreeMounts {
  const warnings: string[] = [];
  const masked = new Set<string>();
  for (const pattern of plan.maskedPaths)
    for (const rel of select(pattern, root, scan, warnings)) masked.add(rel);
  // A secret inside a masked directory is hidden already (and its mount point would not exist).
  dropNested(masked);

  const control: ControlPath[] = [
    ...ALWAYS_PROTECTED,
    ...(repo.hooksPathInside
      ? [{ path: repo.hooksPathInside, kind: 'dir' as const, why: 'core.hooksPath: git runs these hooks' }]
      : []),
  ];
  const controlPaths = new Set(control.map((c) => c.path));
  const readOnly = new Set<string>();
  const placeholders: string[] = [];
  const missingControlFiles: string[] = [];
  const existingControl: string[] = [];
  for (const c of control) {
    // Why refuse rather than skip: a control path that is a link was put there to redirect a mount.
    const link = firstLink(root, c.path);
    if (link !== undefined)
      throw linkRefusal(
        link,
        link === c.path ? 'ccbox protects it' : `on the way to ${c.path}, which ccbox protects`,
      );
    const kind = kindOf(path.join(root, c.path));
    if (kind !== 'missing') {
      readOnly.add(c.path);
      existingControl.push(c.path);
    } else if (c.kind === 'dir') {
      placeholders.push(...makeDirs(root, c.path, repo.owner));
      readOnly.add(c.path);
    } else missingControlFiles.push(c.path);
  }
  // Nested git entries (submodule gitfiles, nested repositories): their config and hooks run on the host.
  for (const [rel, kind] of scan.gits) {
    if (kind === 'symlink') throw linkRefusal(rel, 'a .git must be a real file or directory');
    readOnly.add(rel);
    existingControl.push(rel);
  }
  for (const pattern of plan.readOnlyPaths) {
    if (controlPaths.has(pattern)) continue;
    for (const rel of select(pattern, root, scan, warnings)) readOnly.add(rel);
  }
  // A read-only path inside a masked directory is hidden anyway; nested read-only paths add nothing.
  for (const rel of [...readOnly]) if (isUnder(rel, masked)) readOnly.delete(rel);
  dropNested(readOnly);

  const pinned = new Set<string>();
  for (const rel of readOnly) {
    const parts = rel.split('/');
    for (let i = 1; i < parts.length; i++) {
      const anc = parts.slice(0, i).join('/');
      if (!readOnly.has(anc) && !masked.has(anc)) pinned.add(anc);
    }
  }

  const mounts: BindMount[] = [];
  const bind = (rel: string, source: string, readOnlyMount: boolean): void => {
    // The last line of defence: a worktree source is inside the worktree with no link on the way.
    if (source.startsWith(`${root}/`) && firstLink(root, rel) !== undefined)
      throw linkRefusal(rel, 'a mount source');
    mounts.push({ source, target: `${WORKSPACE}/${rel}`, readOnly: readOnlyMount });
  };
  for (const rel of pinned) bind(rel, path.join(root, rel), false);
  // A placeholder is bound as itself: an empty directory ccbox made, read-only inside.
  for (const rel of readOnly) bind(rel, path.join(root, rel), true);
  for (const rel of masked)
    bind(rel, kindOf(path.join(root, rel)) === 'dir' ? sources.emptyDir : sources.emptyFile, true);
  if (mounts.length > MAX_MOUNTS)
    warnings.push(
      `${mounts.length} protected or secret paths matched; consider directory patterns (dir/**) in the profile`,
    );
  // Parents before children, so a mask inside a read-only directory lands on top of it.
  mounts.sort(
    (a, b) => a.target.split('/').length - b.target.split('/').length || (a.target < b.target ? -1 : 1),
  );
  return {
    mounts,
    readOnly: [...readOnly].sort(),
    masked: [...masked].sort(),
    placeholders,
    missingControlFiles,
    controlPaths: existingControl.sort(),
    warnings,
  };
}

/** Removes the paths that lie inside another path of the same set (the outer mount covers them). */
function dropNested(paths: Set<string>): void {
  for (const rel of [...paths])
    if (
      isUnder(
        rel,
        [...paths].filter((o) => o !== rel),
      )
    )
      paths.delete(rel);
}

/** mkdir -p that returns every directory it created, deepest first. */
function makeDirs(root: string, rel: string, owner: Owner | undefined): string[] {
  const created: string[] = [];
  let cur = root;
  for (const part of rel.split('/')) {
    cur = path.join(cur, part);
    if (kindOf(cur) === 'missing') {
      mkdirSync(cur);
      if (owner && mustChown(owner)) lchownSync(cur, owner.uid, owner.gid);
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
