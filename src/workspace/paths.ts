import { lstatSync, type Stats } from 'node:fs';
import path from 'node:path';
import { CcboxError } from '../errors.js';
import { ExitCodes } from '../exit-codes.js';

/** What is at a worktree-relative path, looked at without following any link. */
export type PathKind = 'dir' | 'file' | 'symlink' | 'other' | 'missing';

export function kindOf(abs: string): PathKind {
  let st: Stats;
  try {
    st = lstatSync(abs);
  } catch {
    return 'missing';
  }
  return st.isSymbolicLink() ? 'symlink' : st.isDirectory() ? 'dir' : st.isFile() ? 'file' : 'other';
}

/**
 * The first component of `rel` (itself included) that is a symbolic link, or undefined. Why every
 * component: the engine resolves a bind source on the host and follows links anywhere along it, so a
 * link in the middle of a path (`.git` -> ~/.kube) would make a mount of `.git/config` bind a host file.
 */
export function firstLink(root: string, rel: string): string | undefined {
  let cur = '';
  for (const part of rel.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') return cur === '' ? '..' : `${cur}/..`;
    cur = cur === '' ? part : `${cur}/${part}`;
    const k = kindOf(path.join(root, cur));
    if (k === 'symlink') return cur;
    if (k === 'missing') return undefined;
  }
  return undefined;
}

/** Is `rel` inside (or equal to) one of `parents`? */
export function isUnder(rel: string, parents: Iterable<string>): boolean {
  for (const p of parents) if (rel === p || rel.startsWith(`${p}/`)) return true;
  return false;
}

/** The exit-2 refusal for a control path that is a link: named, with how to fix it. */
export function linkRefusal(rel: string, what: string): CcboxError {
  return new CcboxError(`refusing to start: ${rel} is a symbolic link (${what})`, {
    code: 'WORKTREE_SYMLINK',
    exitCode: ExitCodes.invalidInput,
    hint: `ccbox mounts control paths without following links; replace ${rel} with the real file or directory (or remove it) and run again`,
  });
}

/**
 * Where a link points, as a worktree-relative path, or undefined when it leaves the worktree. Textual:
 * an absolute target is outside (in the container it would name a container path, on the host a host path).
 */
export function linkTargetInside(linkRel: string, target: string): string | undefined {
  if (path.isAbsolute(target)) return undefined;
  const joined = path.posix.normalize(path.posix.join(path.posix.dirname(linkRel), target));
  if (joined === '..' || joined.startsWith('../') || joined === '.') return joined === '.' ? '' : undefined;
  return joined;
}

/** Does a worktree pattern need matching (rather than naming one path)? */
export const isGlob = (pattern: string): boolean => /[*?[\]{}]/.test(pattern);

/** A profile pattern as the worktree sees it: no leading `./`, no trailing slashes. */
export const cleanPattern = (pattern: string): string => pattern.replace(/^\.\//, '').replace(/\/+$/, '');
