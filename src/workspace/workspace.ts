import { readFileSync, realpathSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ContainerPlan } from '../policy/plan.js';
import { checkWorktree, findRepository, type Worktree } from './worktree.js';
import { createSessionClone, fetchSessionBranch, type SessionClone } from './clone.js';
import { locateGitDir, readHostGit, type HostGit } from './host-git.js';
import { checkTrackedSecrets } from './tracked-secrets.js';
import { scanWorktree } from './scan.js';
import { planWorktreeMounts, removePlaceholders, type MaskSources, type WorktreeMounts } from './mounts.js';
import { createSessionGit, type BindMount, type SessionGit } from './session-git.js';
import { hashControl, neutraliseLeftovers, type Leftover, type StartSnapshot } from './leftovers.js';
import { landSession, noLanding, type GitLanding } from './land.js';
import { mkdirOwned, type Owner } from './owner.js';

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

/** Everything the end of a session needs, kept beside the session git dir so `ccbox gc` can finish a crashed one. */
interface WorkspaceState {
  root: string;
  repository: string;
  session: string;
  owner: Owner;
  host: HostGit;
  gits: Array<[string, 'dir' | 'file' | 'symlink' | 'other']>;
  links: Array<[string, string]>;
  missingControlFiles: string[];
  controlHashes: Array<[string, string]>;
  placeholders: string[];
  clone: SessionClone | undefined;
  workDir: string;
}

/** A workspace ready to mount; `finish` runs once the agent's container is gone. */
export interface PreparedWorkspace {
  worktree: Worktree;
  clone: SessionClone | undefined;
  /** Every bind mount on top of /workspace: the session git dir, control paths, masks. */
  mounts: BindMount[];
  plan: WorktreeMounts;
  /** The branch and commit the session starts from (the audit log's context). */
  start: { branch: string | undefined; commit: string | undefined };
  warnings: string[];
  /** Lands the agent's commits and neutralises what it left. `containersGone` false: keep everything. */
  finish(containersGone: boolean): Promise<WorkspaceReport>;
  /** For a session whose agent never started: stand-ins and the session git dir removed, nothing else. */
  abandon(): void;
}

const STATE_FILE = 'session.json';

/**
 * The workspace boundary, from the repository on disk to the mounts the agent gets. Bad input (a link
 * where a control path should be, a tracked secret a tier refuses, a tree too large to check) fails here
 * with exit 2, before the engine is touched.
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
    owner,
  });
  const workDir = path.join(host.gitDir, 'ccbox', req.session);
  let sessionGit: SessionGit;
  const state: WorkspaceState = {
    root,
    repository,
    session: req.session,
    owner,
    host,
    gits: [...scan.gits],
    links: [...scan.links],
    missingControlFiles: planned.missingControlFiles,
    controlHashes: [...hashControl(root, planned.controlPaths, scan.gits)],
    placeholders: planned.placeholders,
    clone,
    workDir,
  };
  try {
    mkdirOwned(workDir, owner);
    sessionGit = createSessionGit(host, path.join(workDir, 'git'), owner, path.join(workDir, 'gitfile'));
    writeFileSync(path.join(workDir, STATE_FILE), JSON.stringify(state));
  } catch (err) {
    removePlaceholders(planned.placeholders);
    cleanUpWorkDir(workDir);
    throw err;
  }
  const worktree: Worktree = { root, repository, ...owner, ...(clone ? { branch: clone.branch } : {}) };
  let finished: Promise<WorkspaceReport> | undefined;
  return {
    worktree,
    clone,
    mounts: [...sessionGit.mounts, ...planned.mounts],
    plan: planned,
    start: { branch: host.branch?.replace(/^refs\/heads\//, ''), commit: host.head },
    warnings: [...secretWarnings, ...planned.warnings],
    finish: (containersGone) =>
      (finished ??= finishWorkspace(state, containersGone, path.join(req.sessionDir, 'quarantine'))),
    abandon: () => {
      removePlaceholders(planned.placeholders);
      cleanUpWorkDir(workDir);
    },
  };
}

/**
 * Finishes a session whose ccbox died (called by `ccbox gc` once its containers are removed): lands its
 * commits and neutralises what it left, as the session itself would have. Undefined when there is
 * nothing of that session in the worktree's git dir.
 */
export async function recoverWorkspace(
  root: string,
  session: string,
  quarantineDir: string,
): Promise<WorkspaceReport | undefined> {
  let state: WorkspaceState;
  try {
    const { gitDir } = locateGitDir(root);
    // ccbox's own file in the host git dir, which no agent ever sees.
    state = JSON.parse(
      readFileSync(path.join(gitDir, 'ccbox', session, STATE_FILE), 'utf8'),
    ) as WorkspaceState;
  } catch {
    return undefined;
  }
  return finishWorkspace(state, true, quarantineDir);
}

async function finishWorkspace(
  state: WorkspaceState,
  containersGone: boolean,
  quarantineDir: string,
): Promise<WorkspaceReport> {
  const sessionGitDir = path.join(state.workDir, 'git');
  const warnings: string[] = [];
  if (!containersGone) {
    // Why nothing is touched: an agent that may still run could change what ccbox reads.
    warnings.push(
      `the agent container could not be confirmed removed: its commits were not landed; \`ccbox gc\` lands them once it is gone (kept in ${sessionGitDir})`,
    );
    return { git: noLanding(state.host, sessionGitDir), leftovers: [], controlChanges: [], warnings };
  }
  const git = await landSession({
    root: state.root,
    host: state.host,
    sessionGitDir,
    session: state.session,
    owner: state.owner,
    workDir: state.workDir,
  });
  if (git.error)
    warnings.push(
      `the agent's commits were not landed (${git.error}); its git dir is kept at ${sessionGitDir}`,
    );
  else cleanUpWorkDir(state.workDir);
  if (
    state.clone &&
    git.landedOn !== null &&
    !(await fetchSessionBranch(state.repository, state.clone, state.owner))
  )
    warnings.push(
      `could not bring ${state.clone.branch} into ${state.repository}; it is in ${state.clone.dir}`,
    );
  removePlaceholders(state.placeholders);
  const start: StartSnapshot = {
    gits: new Map(state.gits),
    links: new Map(state.links),
    missingControlFiles: state.missingControlFiles,
    controlHashes: new Map(state.controlHashes),
  };
  const left = neutraliseLeftovers(state.root, start, state.session, quarantineDir);
  return {
    git,
    leftovers: left.leftovers,
    controlChanges: left.controlChanges,
    warnings: [...warnings, ...left.warnings],
  };
}

function cleanUpWorkDir(workDir: string): void {
  rmSync(workDir, { recursive: true, force: true });
  tryRmdir(path.dirname(workDir));
}

function tryRmdir(dir: string): void {
  try {
    rmdirSync(dir);
  } catch {
    // not empty (another session's folder) or gone
  }
}
