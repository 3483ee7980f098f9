import { createHash } from 'node:crypto';
import {
  cpSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  unlinkSync,
} from 'node:fs';
import path from 'node:path';
import { describeError } from '../errors.js';
import { kindOf, linkTargetInside } from './paths.js';
import { scanWorktree, type WorktreeScan } from './scan.js';

/** Something the agent left that a host tool could act on by accident, and what ccbox did with it. */
export interface Leftover {
  path: string;
  kind: 'git-dir' | 'git-file' | 'symlink' | 'control-file';
  /** For a link: where it pointed. */
  target?: string;
  action: string;
}

/** The worktree as it was when the session started. */
export interface StartSnapshot {
  gits: WorktreeScan['gits'];
  links: WorktreeScan['links'];
  missingControlFiles: readonly string[];
  /** Control path → content hash. */
  controlHashes: Map<string, string>;
}

const HASH_MAX_ENTRIES = 10_000;
const HASH_MAX_FILE = 8 * 1024 * 1024;
/** In a nested git dir only what runs or redirects: its objects are data. */
const GIT_CONTROL = new Set(['config', 'hooks', 'commondir', 'info', 'modules', 'worktrees']);

/** A digest of a file or directory tree, never following links (a link hashes as its target text). */
export function hashPath(abs: string, gitDir = false): string {
  const h = createHash('sha256');
  let count = 0;
  const visit = (p: string, rel: string, top: boolean): void => {
    if (++count > HASH_MAX_ENTRIES) return void h.update('…truncated');
    let st;
    try {
      st = lstatSync(p);
    } catch {
      return void h.update(`missing ${rel}\0`);
    }
    if (st.isSymbolicLink()) h.update(`link ${rel} ${readlinkSync(p)}\0`);
    else if (st.isDirectory()) {
      h.update(`dir ${rel} ${st.mode}\0`);
      for (const name of readdirSync(p).sort())
        if (!(top && gitDir) || GIT_CONTROL.has(name)) visit(path.join(p, name), `${rel}/${name}`, false);
    } else if (st.isFile()) {
      h.update(`file ${rel} ${st.mode} ${st.size}\0`);
      if (st.size <= HASH_MAX_FILE) h.update(readFileSync(p));
      else h.update(`mtime ${st.mtimeMs}`);
    } else h.update(`other ${rel}\0`);
  };
  visit(abs, '.', true);
  return h.digest('hex');
}

/** Hashes the control paths at the start (and, with the same function, at the end). */
export function hashControl(
  root: string,
  paths: readonly string[],
  gits: WorktreeScan['gits'],
): Map<string, string> {
  return new Map(paths.map((rel) => [rel, hashPath(path.join(root, rel), gits.get(rel) === 'dir')]));
}

/** A free name beside `abs` for the inert copy. */
function inertName(abs: string, session: string): string {
  let candidate = `${abs}.ccbox-inert-${session}`;
  for (let i = 1; kindOf(candidate) !== 'missing'; i++) candidate = `${abs}.ccbox-inert-${session}-${i}`;
  return candidate;
}

/** Moves a file or tree out of the worktree, across filesystems when it must. */
function moveOut(abs: string, to: string): void {
  mkdirSync(path.dirname(to), { recursive: true });
  try {
    renameSync(abs, to);
  } catch {
    cpSync(abs, to, { recursive: true, verbatimSymlinks: true });
    rmSync(abs, { recursive: true, force: true });
  }
}

/**
 * Finds what the agent left that a host tool could follow, and makes it inert: a `.git` below the top
 * level is renamed (`<name>.ccbox-inert-<session>`: git no longer sees a repository there, the content is
 * kept); a link out of the worktree is removed (its target is reported); a control file that did not
 * exist at the start is moved to the session's quarantine folder. Runs after the container is gone.
 */
export function neutraliseLeftovers(
  root: string,
  start: StartSnapshot,
  session: string,
  quarantineDir: string,
): { leftovers: Leftover[]; controlChanges: string[]; warnings: string[] } {
  const leftovers: Leftover[] = [];
  const warnings: string[] = [];
  let end: WorktreeScan;
  try {
    end = scanWorktree(root);
  } catch (err) {
    return {
      leftovers,
      controlChanges: [],
      warnings: [`could not check the worktree for leftovers: ${describeError(err)}`],
    };
  }
  const act = (rel: string, fn: () => string, entry: Omit<Leftover, 'action'>): void => {
    try {
      leftovers.push({ ...entry, action: fn() });
    } catch (err) {
      leftovers.push({ ...entry, action: `not neutralised: ${describeError(err)}` });
      warnings.push(`could not neutralise ${rel}: ${describeError(err)}`);
    }
  };
  // A link is removed, not moved: what it pointed at is all it held, and the report keeps that.
  const dropLink = (rel: string, target: string): void =>
    act(rel, () => (unlinkSync(path.join(root, rel)), 'removed'), { path: rel, kind: 'symlink', target });
  for (const [rel, kind] of end.gits) {
    if (start.gits.get(rel) === kind && (kind !== 'symlink' || start.links.get(rel) === end.links.get(rel)))
      continue;
    const abs = path.join(root, rel);
    if (kind === 'symlink') dropLink(rel, end.links.get(rel) ?? '');
    else
      act(
        rel,
        () => {
          const to = inertName(abs, session);
          renameSync(abs, to);
          return `renamed to ${path.relative(root, to)}`;
        },
        { path: rel, kind: kind === 'dir' ? 'git-dir' : 'git-file' },
      );
  }
  for (const [rel, target] of end.links) {
    if (path.basename(rel) === '.git' || start.links.get(rel) === target) continue;
    if (linkTargetInside(rel, target) !== undefined) continue;
    dropLink(rel, target);
  }
  for (const rel of start.missingControlFiles) {
    const abs = path.join(root, rel);
    const kind = kindOf(abs);
    if (kind === 'missing') continue;
    if (kind === 'symlink') dropLink(rel, end.links.get(rel) ?? '');
    else
      act(
        rel,
        () => {
          const to = path.join(quarantineDir, rel);
          moveOut(abs, to);
          return `moved to ${to}`;
        },
        { path: rel, kind: 'control-file' },
      );
  }
  const now = hashControl(root, [...start.controlHashes.keys()], start.gits);
  const controlChanges = [...start.controlHashes]
    .filter(([rel, h]) => now.get(rel) !== h)
    .map(([rel]) => rel);
  return { leftovers, controlChanges, warnings };
}
