import { realpathSync, rmdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { ContainerPlan } from '../policy/plan.js';
import { checkWorktree, findRepository, type Worktree } from './worktree.js';
import { createSessionClone, fetchSessionBranch, type SessionClone } from './clone.js';
import { readHostGit, type HostGit } from './host-git.js';
import { checkTrackedSecrets } from './tracked-secrets.js';
import { scanWorktree } from './scan.js';
import { planWorktreeMounts, removePlaceholders, type MaskSources, type WorktreeMounts } from './mounts.js';
import { createSessionGit, type BindMount, type SessionGit } from './session-git.js';
import { hashControl, neutraliseLeftovers, type Leftover, type StartSnapshot } from './leftovers.js';
import { landSession, type GitLanding } from './land.js';
import { mkdirOwned } from './owner.js';

export type { BindMount } from './session-git.js';
export type { GitLanding } from './land.js';
export type { Leftover } from './leftovers.js';
export type { Worktree } from './worktree.js';
export type { SessionClone } from './clone.js';

export interface WorkspaceRequest {
  cwd: string;
  home: string;
  session: string;
  /** `--worktree`: work in a fresh clone on branch ccbox/<session>. */
  worktreeMode: boolean;
  plan: Pick<ContainerPlan, 'readOnlyPaths' | 'maskedPaths' | 'trackedSecrets'>;
  /** Where --worktree clones live. */
  worktreesDir: string;
  /** ccbox's folder for this session (quarantine). */
  sessionDir: string;
  sources: MaskSources;
  signal?: AbortSignal | undefined;
}

/** What ended the session at the workspace boundary: the UI and the --json outcome show it. */
export interface WorkspaceReport {
  git: GitLanding;
  leftovers: Leftover[];
  controlChanges: string[];
  warnings: string[];
}

/** A workspace ready to mount; `finish` runs once the agent's container is gone. */
export interface PreparedWorkspace {
  worktree: Worktree;
  clone: SessionClone | undefined;
  /** Every bind mount on top of /workspace: the session git dir, control paths, masks. */
  mounts: BindMount[];
  plan: WorktreeMounts;
  warnings: string[];
  /** Lands the agent's commits and neutralises what it left. `containersGone` false: keep everything. */
  finish(containersGone: boolean): Promise<WorkspaceReport>;
  /** Undo for a session that never started: stand-ins and the session git dir removed. */
  abandon(): void;
}

/**
 * The workspace boundary, from the repository on disk to the mounts the agent gets. Bad input (a link
 * where a control path should be, a tracked secret a tier refuses, a tree too large to check) fails here
 * with exit 2, before the engine is touched; what this creates is undone by `abandon`.
 */
export async function prepareWorkspace(req: WorkspaceRequest): Promise<PreparedWorkspace> {
  // Why realpath once: every later check is on link-free paths below this root.
  const repository = realpathSync(await findRepository(req.cwd));
  const owner = checkWorktree(repository, req.home);
  let clone: SessionClone | undefined;
  let root = repository;
  if (req.worktreeMode) {
    clone = await createSessionClone(repository, req.session, req.worktreesDir, owner, req.signal);
    root = realpathSync(clone.dir);
    checkWorktree(root, req.home);
  }
  const [host, secretWarnings] = await Promise.all([
    readHostGit(root, req.signal),
    checkTrackedSecrets(root, req.plan, req.signal),
  ]);
  const scan = scanWorktree(root, undefined, [...req.plan.maskedPaths, ...req.plan.readOnlyPaths]);
  const planned = planWorktreeMounts(root, req.plan, req.sources, scan, {
    hooksPathInside: host.hooksPathInside,
  });
  const workDir = path.join(host.gitDir, 'ccbox', req.session);
  let sessionGit: SessionGit;
  try {
    mkdirOwned(workDir, owner);
    sessionGit = createSessionGit(host, path.join(workDir, 'git'), owner, path.join(workDir, 'gitfile'));
  } catch (err) {
    removePlaceholders(planned.placeholders);
    rmSync(workDir, { recursive: true, force: true });
    throw err;
  }
  const start: StartSnapshot = {
    gits: scan.gits,
    links: scan.links,
    missingControlFiles: planned.missingControlFiles,
    controlHashes: hashControl(root, planned.controlPaths, scan.gits),
  };
  const worktree: Worktree = { root, repository, ...owner, ...(clone ? { branch: clone.branch } : {}) };
  let finished: Promise<WorkspaceReport> | undefined;
  const cleanUpWorkDir = (): void => {
    rmSync(workDir, { recursive: true, force: true });
    tryRmdir(path.dirname(workDir));
  };
  return {
    worktree,
    clone,
    mounts: [...sessionGit.mounts, ...planned.mounts],
    plan: planned,
    warnings: [...secretWarnings, ...planned.warnings],
    finish: (containersGone) =>
      (finished ??= finish(
        root,
        host,
        start,
        sessionGit,
        req,
        owner,
        clone,
        repository,
        containersGone,
        cleanUpWorkDir,
        planned,
      )),
    abandon: () => {
      removePlaceholders(planned.placeholders);
      cleanUpWorkDir();
    },
  };
}

async function finish(
  root: string,
  host: HostGit,
  start: StartSnapshot,
  sessionGit: SessionGit,
  req: WorkspaceRequest,
  owner: { uid: number; gid: number },
  clone: SessionClone | undefined,
  repository: string,
  containersGone: boolean,
  cleanUpWorkDir: () => void,
  planned: WorktreeMounts,
): Promise<WorkspaceReport> {
  const warnings: string[] = [];
  if (!containersGone) {
    // Why nothing is touched: an agent that may still run could change what ccbox reads.
    warnings.push(
      `the agent container could not be confirmed removed: its commits were not landed; the session git dir is kept at ${sessionGit.dir}`,
    );
    return { git: notLanded(host, sessionGit.dir), leftovers: [], controlChanges: [], warnings };
  }
  const git = await landSession({
    root,
    host,
    sessionGitDir: sessionGit.dir,
    session: req.session,
    owner,
    workDir: path.dirname(sessionGit.dir),
  });
  if (git.error)
    warnings.push(
      `the agent's commits were not landed (${git.error}); its git dir is kept at ${sessionGit.dir}`,
    );
  else cleanUpWorkDir();
  if (clone && git.landedOn !== null && !(await fetchSessionBranch(repository, clone, owner)))
    warnings.push(`could not bring ${clone.branch} into ${repository}; it is in ${clone.dir}`);
  removePlaceholders(planned.placeholders);
  const left = neutraliseLeftovers(root, start, req.session, path.join(req.sessionDir, 'quarantine'));
  return {
    git,
    leftovers: left.leftovers,
    controlChanges: left.controlChanges,
    warnings: [...warnings, ...left.warnings],
  };
}

function notLanded(host: HostGit, kept: string): GitLanding {
  return {
    startBranch: host.branch?.replace(/^refs\/heads\//, '') ?? null,
    startCommit: host.head ?? null,
    commits: 0,
    landedOn: null,
    head: null,
    unstaged: false,
    kept,
    otherBranches: [],
  };
}

function tryRmdir(dir: string): void {
  try {
    rmdirSync(dir);
  } catch {
    // not empty (another session's folder) or gone
  }
}
