import { chownSync, mkdirSync } from 'node:fs';
import { readdir, lstat, lchown } from 'node:fs/promises';
import path from 'node:path';
import { CcboxError } from '../errors.js';
import { ExitCodes } from '../exit-codes.js';
import { git } from './git.js';

export interface SessionClone {
  dir: string;
  branch: string;
}

/** POSIX shell quoting for the one place git takes a command string. */
const shq = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * Why --upload-pack: for a local clone or fetch git starts upload-pack with the -c settings removed, so
 * when ccbox runs as root against a user's repository the only way to vouch for that one repository
 * is on upload-pack's own command line.
 */
const uploadPack = (repoGitDir: string): string =>
  `--upload-pack=git -c safe.directory=${shq(repoGitDir)} upload-pack`;

async function chownTree(dir: string, uid: number, gid: number): Promise<void> {
  await lchown(dir, uid, gid);
  for (const name of await readdir(dir)) {
    const p = path.join(dir, name);
    const st = await lstat(p);
    if (st.isDirectory()) await chownTree(p, uid, gid);
    else await lchown(p, uid, gid);
  }
}

/**
 * `--worktree`: a fresh working tree for the session on a new branch `ccbox/<session>`.
 * Why a shared clone rather than `git worktree add`: a linked worktree keeps its git data inside the
 * main repository's .git, so the agent would need write access there (refs of every branch, config,
 * hooks). A `--shared` clone keeps the session's git data inside its own directory, borrows objects
 * read-only, and the worktree stays the one writable mount. The branch is fetched back at the end.
 */
export async function createSessionClone(
  repository: string,
  session: string,
  baseDir: string,
  owner: { uid: number; gid: number },
  signal?: AbortSignal,
): Promise<SessionClone> {
  const branch = `ccbox/${session}`;
  mkdirSync(baseDir, { recursive: true });
  const dir = path.join(baseDir, session);
  const head = await git(['rev-parse', '--verify', 'HEAD'], repository, { signal, trustedRepo: repository });
  if (head.code !== 0) {
    throw new CcboxError('--worktree needs a repository with at least one commit', {
      code: 'WORKTREE_NO_COMMIT',
      exitCode: ExitCodes.invalidInput,
      hint: 'commit something first, or run without --worktree',
    });
  }
  const clone = await git(
    ['clone', '--quiet', uploadPack(`${repository}/.git`), '--shared', '--no-checkout', repository, dir],
    baseDir,
    { signal, trustedRepo: `${repository}/.git` },
  );
  if (clone.code !== 0)
    throw new CcboxError(`could not create the session worktree: ${clone.stderr.trim()}`, {
      code: 'WORKTREE_CLONE',
      exitCode: ExitCodes.sandboxFailed,
    });
  const checkout = await git(['checkout', '--quiet', '-b', branch, head.stdout.trim()], dir, { signal });
  if (checkout.code !== 0)
    throw new CcboxError(`could not check out ${branch}: ${checkout.stderr.trim()}`, {
      code: 'WORKTREE_CHECKOUT',
      exitCode: ExitCodes.sandboxFailed,
    });
  // When ccbox runs as root (a CI runner), the clone must still belong to the repository's owner.
  if (process.getuid?.() === 0 && owner.uid !== 0) {
    await chownTree(dir, owner.uid, owner.gid);
    chownSync(baseDir, owner.uid, owner.gid);
  }
  return { dir, branch };
}

/**
 * Brings the session branch into the repository, so the work shows up where the user expects it. Why it
 * is safe to fetch from the clone: the agent never saw the clone's git dir (it worked in a session git
 * dir whose commits landed in the clone first), and git runs as the repository's owner.
 */
export async function fetchSessionBranch(
  repository: string,
  clone: SessionClone,
  owner: { uid: number; gid: number },
): Promise<boolean> {
  const r = await git(
    [
      '-c',
      'transfer.fsckObjects=true',
      '-c',
      'gc.auto=0',
      'fetch',
      '--quiet',
      '--no-write-fetch-head',
      clone.dir,
      `+${clone.branch}:${clone.branch}`,
    ],
    repository,
    { as: owner },
  );
  return r.code === 0;
}
