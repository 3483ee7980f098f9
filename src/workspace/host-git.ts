import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { CcboxError } from '../errors.js';
import { ExitCodes } from '../exit-codes.js';
import { git } from './git.js';
import { kindOf, linkRefusal } from './paths.js';

/** The host repository's git data, as the session needs it. Read once, before anything runs. */
export interface HostGit {
  /** `.git` is a directory, or a gitfile of a linked worktree (`git worktree add`). */
  layout: 'dir' | 'gitfile';
  /** The per-worktree git dir (HEAD, index). */
  gitDir: string;
  /** The common dir (objects, refs, config). */
  commonDir: string;
  /** `refs/heads/<name>` HEAD points at, or undefined when detached. */
  branch: string | undefined;
  /** The commit HEAD names, or undefined on an unborn branch. */
  head: string | undefined;
  /** Every ref and the object it names (for the session's packed-refs). */
  refs: Array<[sha: string, ref: string]>;
  /** The repository's local config entries, in file order. */
  localConfig: Array<[key: string, value: string]>;
  /** The effective core.hooksPath, worktree-relative, when it names a folder inside the worktree. */
  hooksPathInside: string | undefined;
  /** Object directories: the repository's own first, then its alternates (followed on the host). */
  objectDirs: string[];
}

const refuse = (message: string, hint: string): CcboxError =>
  new CcboxError(message, { code: 'WORKTREE_GITDIR', exitCode: ExitCodes.invalidInput, hint });

const HEX = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;

/** Reads a small host file that must be short text; never echoes it (it may be anything). */
function readSmall(abs: string, max = 4096): string | undefined {
  try {
    if (!statSync(abs).isFile() || statSync(abs).size > max) return undefined;
    return readFileSync(abs, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * Where the repository's git data lives. Why strict: the session borrows objects from there and lands
 * commits there, so `.git` must be the repository's own: a real directory, or the gitfile of a linked
 * worktree whose admin folder points back at it. A link, or a gitfile to anywhere else, is refused.
 */
export function locateGitDir(root: string): Pick<HostGit, 'layout' | 'gitDir' | 'commonDir'> {
  const dotGit = path.join(root, '.git');
  const kind = kindOf(dotGit);
  if (kind === 'symlink') throw linkRefusal('.git', 'a repository .git must be a real directory');
  if (kind === 'dir') {
    // A repository's own .git never has a commondir; one there redirects git to another directory.
    if (kindOf(path.join(dotGit, 'commondir')) !== 'missing')
      throw refuse(
        `refusing to start: .git/commondir exists in ${root}, so git would read its config and hooks from elsewhere`,
        'remove .git/commondir (a repository .git never has one; a linked worktree uses a .git file instead)',
      );
    return { layout: 'dir', gitDir: dotGit, commonDir: dotGit };
  }
  if (kind !== 'file')
    throw refuse(
      `refusing to start: ${dotGit} is not a directory or a gitfile`,
      'run ccbox in a git repository',
    );
  const text = readSmall(dotGit);
  const m = text === undefined ? null : /^gitdir: (.+?)\r?\n?$/.exec(text);
  if (!m?.[1])
    throw refuse(
      `refusing to start: ${dotGit} is a file but not a gitfile`,
      'restore .git (git worktree repair) or run ccbox in the main checkout',
    );
  let gitDir: string;
  let commonDir: string;
  try {
    gitDir = realpathSync(path.resolve(root, m[1]));
    const common = readSmall(path.join(gitDir, 'commondir'));
    if (common === undefined) throw new Error('no commondir');
    commonDir = realpathSync(path.resolve(gitDir, common.trim()));
  } catch {
    throw refuse(
      `refusing to start: .git in ${root} points outside the repository's own git directory (not a linked worktree of it)`,
      'ccbox runs in a repository or in a linked worktree (git worktree add); for a submodule, run ccbox in the superproject',
    );
  }
  const back = readSmall(path.join(gitDir, 'gitdir'));
  const backReal = back === undefined ? undefined : safeRealpath(back.trim());
  if (path.dirname(gitDir) !== path.join(commonDir, 'worktrees') || backReal !== realpathSync(dotGit))
    throw refuse(
      `refusing to start: .git in ${root} points at a git directory that does not belong to this worktree`,
      'run `git worktree repair` in the main checkout, or run ccbox there',
    );
  return { layout: 'gitfile', gitDir, commonDir };
}

function safeRealpath(p: string): string | undefined {
  try {
    return realpathSync(p);
  } catch {
    return undefined;
  }
}

/** The object directories git reads: the repository's own and its alternates, followed on the host. */
export function objectChain(commonDir: string): string[] {
  const out: string[] = [];
  const visit = (dir: string, depth: number): void => {
    const real = safeRealpath(dir);
    if (!real || out.includes(real) || depth > 5 || kindOf(real) !== 'dir') return;
    out.push(real);
    const alt = readSmall(path.join(real, 'info/alternates'), 64 * 1024);
    for (const line of alt?.split('\n') ?? []) {
      const l = line.trim();
      if (l !== '' && !l.startsWith('#')) visit(path.resolve(real, l), depth + 1);
    }
  };
  visit(path.join(commonDir, 'objects'), 0);
  return out;
}

/** Reads what the session needs from the host repository: two git runs, the rest from files. */
export async function readHostGit(root: string, signal?: AbortSignal): Promise<HostGit> {
  const where = locateGitDir(root);
  const opts = { signal, trustedRepo: root };
  const [refsRun, configRun] = await Promise.all([
    git(['for-each-ref', '--format=%(objectname) %(refname)'], root, opts),
    git(['config', '--list', '-z', '--show-scope'], root, opts),
  ]);
  if (refsRun.code !== 0)
    throw new CcboxError(`git could not list the refs of ${root}: ${refsRun.stderr.trim()}`, {
      code: 'WORKTREE_GIT',
      exitCode: ExitCodes.invalidInput,
      hint: 'check that `git status` works in the repository',
    });
  const refs = refsRun.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => [l.slice(0, l.indexOf(' ')), l.slice(l.indexOf(' ') + 1)] as [string, string]);
  const headText = readSmall(path.join(where.gitDir, 'HEAD'))?.trim() ?? '';
  const branch = /^ref: (refs\/heads\/\S+)$/.exec(headText)?.[1];
  const head = branch ? refs.find(([, r]) => r === branch)?.[0] : HEX.test(headText) ? headText : undefined;
  // Not ccbox's own `-c` guards (scope "command"): the repository's and the user's settings.
  const entries = parseConfigList(configRun.stdout).filter(([scope]) => scope !== 'command');
  const hooksPath = entries.filter(([, k]) => k === 'core.hookspath').at(-1)?.[2];
  return {
    ...where,
    branch,
    head,
    refs,
    localConfig: entries.filter(([s]) => s === 'local').map(([, k, v]) => [k, v]),
    hooksPathInside: hooksPath === undefined ? undefined : insideWorktree(root, hooksPath),
    objectDirs: objectChain(where.commonDir),
  };
}

function parseConfigList(out: string): Array<[scope: string, key: string, value: string]> {
  const parts = out.split('\0');
  const result: Array<[string, string, string]> = [];
  for (let i = 0; i + 1 < parts.length; i += 2) {
    const scope = parts[i] as string;
    const kv = parts[i + 1] as string;
    const nl = kv.indexOf('\n');
    result.push([scope, (nl < 0 ? kv : kv.slice(0, nl)).toLowerCase(), nl < 0 ? 'true' : kv.slice(nl + 1)]);
  }
  return result;
}

/**
 * A core.hooksPath as a worktree-relative path, when it is inside the worktree (`~/…` is in the home
 * directory, which a worktree never contains). The worktree itself as the hooks folder is refused: every
 * file at the top would be a hook the agent can write.
 */
function insideWorktree(root: string, p: string): string | undefined {
  if (p.startsWith('~')) return undefined;
  const rel = path.relative(root, path.resolve(root, p));
  if (rel === '')
    throw refuse(
      `refusing to start: core.hooksPath names the worktree itself (${root}), so any file the agent writes there is a git hook`,
      'point core.hooksPath at a folder (e.g. .githooks) and run again',
    );
  return rel.startsWith('..') || path.isAbsolute(rel) ? undefined : rel;
}

/** Does the repository have submodule git dirs (mounted read-only into the session)? */
export const hasModules = (gitDir: string): boolean => existsSync(path.join(gitDir, 'modules'));
