import { existsSync, lstatSync, readdirSync, statSync } from 'node:fs';
import { kindOf } from './paths.js';
import path from 'node:path';
import { CcboxError } from '../errors.js';
import { ExitCodes } from '../exit-codes.js';

/** The directory the agent gets, and who owns it (the agent runs as that user, never root). */
export interface Worktree {
  /** Absolute host path, mounted at /workspace. */
  root: string;
  uid: number;
  gid: number;
  /** The repository the worktree belongs to (differs from root with --worktree). */
  repository: string;
  /** The branch made for the session with --worktree. */
  branch?: string;
}

/**
 * Credential directories that, found at the top of a worktree, mean it is (a copy of) a home directory.
 * Project files such as .npmrc are not here: they are masked as secrets instead.
 */
const CREDENTIAL_DIRS = [
  '.ssh',
  '.aws',
  '.azure',
  '.kube',
  '.gnupg',
  '.config/gcloud',
  '.config/gh',
  '.password-store',
];

const refuse = (message: string, hint: string): CcboxError =>
  new CcboxError(message, { code: 'WORKTREE_REFUSED', exitCode: ExitCodes.invalidInput, hint });

/**
 * The git top-level of `cwd`: the nearest directory with a `.git`. Found by walking up rather than by
 * asking git, so nothing the repository configures runs before the sandbox exists.
 */
export function findRepository(cwd: string): Promise<string> {
  let dir = path.resolve(cwd);
  for (;;) {
    // lstat: a .git that is a link is found (and then refused), never followed.
    if (kindOf(path.join(dir, '.git')) !== 'missing') return Promise.resolve(dir);
    const parent = path.dirname(dir);
    if (parent === dir) {
      return Promise.reject(
        refuse(
          `${cwd} is not inside a git repository`,
          'run ccbox from a repository (git init creates one); the git top-level is what the agent gets',
        ),
      );
    }
    dir = parent;
  }
}

/**
 * Why these refusals: the worktree is the one writable mount, so it must not be (or contain) the home
 * directory, the filesystem root, or a credential store; and the agent runs as the worktree's owner, so
 * a root-owned worktree would mean a root agent.
 */
export function checkWorktree(root: string, home: string): { uid: number; gid: number } {
  const abs = path.resolve(root);
  const homeAbs = path.resolve(home);
  if (abs === '/')
    throw refuse('refusing to mount the filesystem root', 'run ccbox inside a project repository');
  if (abs === homeAbs)
    throw refuse(
      `refusing to mount your home directory ${abs}`,
      'run ccbox inside a project repository, not your home directory',
    );
  if (homeAbs.startsWith(`${abs}/`))
    throw refuse(
      `refusing to mount ${abs}: it contains your home directory`,
      'run ccbox inside a project repository',
    );
  for (const store of CREDENTIAL_DIRS) {
    const candidate = path.join(abs, store);
    if (existsSync(candidate)) {
      throw refuse(
        `refusing to mount ${abs}: it contains the credential store ${store}`,
        `move ${candidate} out of the repository, or run ccbox from a repository without credential directories`,
      );
    }
  }
  const st = statSync(abs);
  if (!st.isDirectory()) throw refuse(`${abs} is not a directory`, 'run ccbox inside a repository');
  if (st.uid === 0) {
    throw refuse(
      `refusing to run the agent as root: ${abs} is owned by root`,
      'the agent runs as the owner of the repository; run ccbox as a normal user, or give the repository to one (chown -R USER:GROUP <repo>)',
    );
  }
  return { uid: st.uid, gid: st.gid };
}

/** Top-level entries, for checks that must not follow links out of the worktree. */
export function isSymlink(p: string): boolean {
  try {
    return lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}

export function listTopLevel(root: string): string[] {
  return readdirSync(root);
}
