import { readdirSync, readlinkSync, type Dirent } from 'node:fs';
import path from 'node:path';
import { CcboxError } from '../errors.js';
import { ExitCodes } from '../exit-codes.js';
import { isGlob } from './paths.js';

/** One walk of the worktree, never following links: what globs match, and what the end of a session compares. */
export interface WorktreeScan {
  /** Entries for glob matching (not below node_modules or any .git). */
  entries: Array<{ rel: string; dir: boolean }>;
  /** `.git` entries below the top level, with what they are (a submodule's gitfile, a nested repository). */
  gits: Map<string, 'dir' | 'file' | 'symlink' | 'other'>;
  /** Every symbolic link and its target. */
  links: Map<string, string>;
  /** Entries visited. */
  count: number;
}

/** Why a limit: a session must not hang on a huge tree; why a high one: stopping early fails closed (exit 2). */
export const MAX_SCAN_ENTRIES = 1_000_000;

/** Why skipped for globs: vendored code holds no project secrets or control files the profile names. */
const GLOB_SKIP = 'node_modules';

const kindOfDirent = (d: Dirent): 'dir' | 'file' | 'symlink' | 'other' =>
  d.isSymbolicLink() ? 'symlink' : d.isDirectory() ? 'dir' : d.isFile() ? 'file' : 'other';

/**
 * Walks the whole worktree once. Why it throws rather than returning what it saw: a mask or a leftover
 * check that silently covered only part of the tree would fail open.
 */
export function scanWorktree(
  root: string,
  limit = MAX_SCAN_ENTRIES,
  globPatterns: readonly string[] = [],
): WorktreeScan {
  const scan: WorktreeScan = { entries: [], gits: new Map(), links: new Map(), count: 0 };
  const stack: Array<{ rel: string; vendored: boolean }> = [{ rel: '', vendored: false }];
  while (stack.length > 0) {
    const { rel, vendored } = stack.pop() as { rel: string; vendored: boolean };
    let names: Dirent[];
    try {
      names = readdirSync(path.join(root, rel), { withFileTypes: true });
    } catch {
      continue;
    }
    for (const d of names) {
      const childRel = rel === '' ? d.name : `${rel}/${d.name}`;
      const kind = kindOfDirent(d);
      if (++scan.count > limit) throw tooLarge(limit, globPatterns);
      if (d.name === '.git') {
        // The top-level .git is the session's own; nested ones are recorded, never entered.
        if (rel !== '') scan.gits.set(childRel, kind);
        if (kind === 'symlink') scan.links.set(childRel, safeReadlink(path.join(root, childRel)));
        continue;
      }
      if (kind === 'symlink') scan.links.set(childRel, safeReadlink(path.join(root, childRel)));
      const inVendor = vendored || d.name === GLOB_SKIP;
      if (!vendored) scan.entries.push({ rel: childRel, dir: kind === 'dir' });
      if (kind === 'dir') stack.push({ rel: childRel, vendored: inVendor });
    }
  }
  return scan;
}

function safeReadlink(abs: string): string {
  try {
    return readlinkSync(abs);
  } catch {
    return '';
  }
}

function tooLarge(limit: number, patterns: readonly string[]): CcboxError {
  const globs = patterns.filter(isGlob);
  return new CcboxError(
    `the worktree has more than ${limit} entries, so ccbox cannot check all of it for secret and control paths`,
    {
      code: 'WORKTREE_TOO_LARGE',
      exitCode: ExitCodes.invalidInput,
      hint:
        globs.length > 0
          ? `the glob patterns ${globs.map((g) => JSON.stringify(g)).join(', ')} need the whole tree; run ccbox in a smaller checkout (a sparse checkout or --worktree of a subset) or remove generated trees`
          : 'run ccbox in a smaller checkout, or remove generated trees from the worktree',
    },
  );
}
