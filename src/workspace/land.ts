import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { describeError } from '../errors.js';
import { git, type GitOptions } from './git.js';
import type { HostGit } from './host-git.js';
import {
  addViewRef,
  isCommitId,
  makeImportView,
  refsUntouched,
  sanitizeObjects,
  type ImportView,
} from './import-dir.js';
import { headText, packedRefsText } from './session-git.js';

/** What became of the agent's commits; the UI and the --json outcome show it. */
export interface GitLanding {
  startBranch: string | null;
  startCommit: string | null;
  /** Commits on the agent's branch that the start did not have. */
  commits: number;
  /** The host branch the commits are on now, or null when there was nothing to land. */
  landedOn: string | null;
  /** The agent's tip. */
  head: string | null;
  /** The user's staged changes were unstaged (their content is still in the working tree). */
  unstaged: boolean;
  /** The session git dir, when ccbox could not land its commits and kept it. */
  kept: string | null;
  /** Other branches the agent made or moved, landed as ccbox/<session>-<name>. */
  otherBranches: string[];
  error?: string;
}

export interface LandInput {
  /** The checkout whose repository receives the commits (the user's, or the --worktree clone). */
  root: string;
  host: HostGit;
  sessionGitDir: string;
  session: string;
  owner: { uid: number; gid: number };
  /** A directory of ccbox's for the import view. */
  workDir: string;
}

const short = (ref: string | undefined): string | null => (ref ? ref.replace(/^refs\/heads\//, '') : null);

/** The outcome before anything landed (and of a session whose commits were kept, with `kept` set). */
export function noLanding(host: Pick<HostGit, 'branch' | 'head'>, kept: string | null = null): GitLanding {
  return {
    startBranch: short(host.branch),
    startCommit: host.head ?? null,
    commits: 0,
    landedOn: null,
    head: host.head ?? null,
    unstaged: false,
    kept,
    otherBranches: [],
  };
}

/**
 * Pins for every host git run on the agent's work. Why each: fsck refuses malformed objects and trees
 * with `.git` entries; no protocol but local files; no gc, maintenance or submodule recursion (they run
 * more code); hooks and fsmonitor are off in every ccbox git run already.
 */
const PINS = [
  '-c',
  'transfer.fsckObjects=true',
  '-c',
  'fetch.fsckObjects=true',
  '-c',
  'protocol.allow=never',
  '-c',
  'protocol.file.allow=always',
  '-c',
  'gc.auto=0',
  '-c',
  'maintenance.auto=false',
  '-c',
  'fetch.recurseSubmodules=false',
  '-c',
  'submodule.recurse=false',
  '-c',
  'core.commitGraph=false',
];

/**
 * Brings the agent's commits into the host repository, after its container is gone. Git on the host
 * reads only a view ccbox made (see import-dir.ts) and runs as the repository's owner. The commits land
 * on the branch the session started on when that branch has not moved and the agent only added to it;
 * otherwise on ccbox/<session>. Never throws: a failure keeps the session git dir and says why.
 */
export async function landSession(input: LandInput): Promise<GitLanding> {
  const { host, session } = input;
  const result = noLanding(host);
  let view: ImportView | undefined;
  try {
    if (refsUntouched(input.sessionGitDir, headText(host), packedRefsText(host))) {
      rmSync(input.sessionGitDir, { recursive: true, force: true });
      return result;
    }
    if (!sanitizeObjects(input.sessionGitDir))
      throw new Error('the session object store is not a plain directory');
    const format = host.localConfig.find(([k]) => k === 'extensions.objectformat')?.[1];
    view = makeImportView(input.sessionGitDir, input.workDir, host.objectDirs, format, input.owner);
    const inView: GitOptions = {
      as: input.owner,
      env: {
        GIT_DIR: view.dir,
        GIT_NO_REPLACE_OBJECTS: '1',
        GIT_CONFIG_NOSYSTEM: '1',
        GIT_CONFIG_GLOBAL: '/dev/null',
      },
    };
    const refsRun = await git(
      ['for-each-ref', '--format=%(objectname) %(refname)', 'refs/heads'],
      view.dir,
      inView,
    );
    const agentRefs = new Map(
      refsRun.stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => [l.slice(l.indexOf(' ') + 1), l.slice(0, l.indexOf(' '))]),
    );
    const tipOf = (): string | undefined => {
      if (host.branch) return agentRefs.get(host.branch);
      if (view?.head && 'ref' in view.head) return agentRefs.get(view.head.ref);
      return view?.head && 'sha' in view.head ? view.head.sha : undefined;
    };
    const tip = tipOf();
    const isCommit = async (sha: string): Promise<boolean> =>
      isCommitId(sha) && (await git(['cat-file', '-e', `${sha}^{commit}`], view!.dir, inView)).code === 0;
    const hostRefs = new Map(host.refs.map(([sha, ref]) => [ref, sha]));
    const others = [...agentRefs].filter(([ref, sha]) => ref !== host.branch && hostRefs.get(ref) !== sha);

    const fetches: Array<{ name: string; sha: string }> = [];
    if (tip !== undefined && tip !== host.head && (await isCommit(tip)))
      fetches.push({ name: 'tip', sha: tip });
    for (const [i, [, sha]] of others.entries())
      if (await isCommit(sha)) fetches.push({ name: `b${i}`, sha });
    if (fetches.length === 0) {
      rmSync(input.sessionGitDir, { recursive: true, force: true });
      return result;
    }

    for (const f of fetches) addViewRef(view, f.name, f.sha, input.owner);
    const inRepo: GitOptions = {
      as: input.owner,
      env: { GIT_COMMITTER_NAME: 'ccbox', GIT_COMMITTER_EMAIL: 'ccbox@localhost' },
    };
    const fetch = await git(
      [
        ...PINS,
        'fetch',
        '--quiet',
        '--no-tags',
        '--no-write-fetch-head',
        '--no-auto-gc',
        view.dir,
        ...fetches.map((f) => `+refs/ccbox/${f.name}:refs/ccbox/import/${session}/${f.name}`),
      ],
      input.root,
      inRepo,
    );
    if (fetch.code !== 0)
      throw new Error(`git fetch from the session failed: ${fetch.stderr.trim().split('\n').pop() ?? ''}`);

    const updateRef = async (ref: string, sha: string, old: string): Promise<boolean> =>
      (
        await git(
          [...PINS, 'update-ref', '-m', `ccbox: session ${session}`, ref, sha, old],
          input.root,
          inRepo,
        )
      ).code === 0;
    const zero = '0'.repeat(host.head?.length ?? 40);

    if (fetches[0]?.name === 'tip' && tip !== undefined) {
      result.head = tip;
      const count = await git(
        ['rev-list', '--count', tip, ...(host.head ? [`^${host.head}`] : [])],
        input.root,
        inRepo,
      );
      result.commits = Number.parseInt(count.stdout.trim(), 10) || 0;
      const fastForward =
        host.head === undefined ||
        (await git(['merge-base', '--is-ancestor', host.head, tip], input.root, inRepo)).code === 0;
      const staged = await stagedLost(input.root, host.head, tip, inRepo);
      if (host.branch && fastForward && (await updateRef(host.branch, tip, host.head ?? zero))) {
        result.landedOn = short(host.branch);
        // The index follows only when the host's HEAD is still on that branch.
        if (headRef(host.gitDir) === host.branch) {
          await git(['read-tree', tip], input.root, inRepo);
          await git(['update-index', '-q', '--refresh'], input.root, inRepo);
          result.unstaged = staged;
        }
      } else if (await updateRef(`refs/heads/ccbox/${session}`, tip, zero))
        result.landedOn = `ccbox/${session}`;
      else throw new Error(`could not create the branch ccbox/${session}`);
    }
    for (const [i, [ref]] of others.entries()) {
      const f = fetches.find((x) => x.name === `b${i}`);
      if (!f) continue;
      const name = `ccbox/${session}-${ref.replace(/^refs\/heads\//, '')}`;
      if (await updateRef(`refs/heads/${name}`, f.sha, zero)) result.otherBranches.push(name);
    }
    await Promise.all(
      fetches.map((f) =>
        git(['update-ref', '-d', `refs/ccbox/import/${session}/${f.name}`], input.root, inRepo),
      ),
    );
    rmSync(input.sessionGitDir, { recursive: true, force: true });
    return result;
  } catch (err) {
    return { ...result, kept: input.sessionGitDir, error: describeError(err) };
  } finally {
    if (view) rmSync(view.dir, { recursive: true, force: true });
  }
}

/**
 * Would resetting the index to `tip` drop something the user had staged? Only if a path staged against
 * the start has other content in `tip` (an agent commit that took the staged change loses nothing).
 */
async function stagedLost(
  root: string,
  start: string | undefined,
  tip: string,
  opts: GitOptions,
): Promise<boolean> {
  if (start === undefined) return false;
  const names = await git(['diff-index', '--cached', '--name-only', '-z', start, '--'], root, opts);
  const paths = names.stdout.split('\0').filter(Boolean);
  if (paths.length === 0) return false;
  return (await git(['diff-index', '--cached', '--quiet', tip, '--', ...paths], root, opts)).code !== 0;
}

function headRef(gitDir: string): string | undefined {
  try {
    return /^ref: (\S+)/.exec(readFileSync(path.join(gitDir, 'HEAD'), 'utf8'))?.[1];
  } catch {
    return undefined;
  }
}
