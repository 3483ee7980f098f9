import { copyFileSync, existsSync, lchownSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { HostGit } from './host-git.js';
import { hasModules } from './host-git.js';
import { kindOf } from './paths.js';
import { chownTree, mustChown, type Owner } from './owner.js';

export const WORKSPACE = '/workspace';
/** Where the host's object directories appear in the container, read-only, one per index. */
export const CONTAINER_OBJECTS = '/run/ccbox/objects';
/** Where the session git dir appears for a linked worktree (its .git is a gitfile pointing here). */
export const CONTAINER_GITDIR = '/run/ccbox/git';

/** A bind mount in workspace terms; the session maps it onto the engine's mount type. */
export interface BindMount {
  source: string;
  target: string;
  readOnly: boolean;
}

/** The session's own git directory: the agent's to write, never run by the host. */
export interface SessionGit {
  dir: string;
  /** A file ccbox wrote (`gitdir: /run/ccbox/git`), mounted over a linked worktree's gitfile. */
  gitfile: string | undefined;
  mounts: BindMount[];
}

/** Config keys a session may carry over: how files look, where remotes are, who the user is here. */
const CARRIED = [
  /^core\.(ignorecase|precomposeunicode|symlinks|filemode|autocrlf|eol|safecrlf|quotepath)$/,
  /^extensions\.objectformat$/,
  /^remote\.[^\n]+\.(url|fetch|pushurl)$/,
  /^branch\.[^\n]+\.(remote|merge)$/,
  // Not `update`: a submodule update command (`!cmd`) is code.
  /^submodule\.[^\n]+\.(url|active|branch)$/,
  /^user\.(name|email)$/,
];

const quote = (v: string): string =>
  `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\t/g, '\\t')}"`;

/** Renders git config text from key/value pairs (sections in first-seen order). */
export function renderConfig(entries: ReadonlyArray<[string, string]>): string {
  const sections = new Map<string, string[]>();
  for (const [key, value] of entries) {
    const first = key.indexOf('.');
    const last = key.lastIndexOf('.');
    const section = key.slice(0, first);
    const sub = first === last ? undefined : key.slice(first + 1, last);
    const header = sub === undefined ? `[${section}]` : `[${section} ${quote(sub)}]`;
    const lines = sections.get(header) ?? [];
    lines.push(`\t${key.slice(last + 1)} = ${quote(value)}`);
    sections.set(header, lines);
  }
  return [...sections].map(([h, lines]) => `${h}\n${lines.join('\n')}\n`).join('');
}

/**
 * The session git dir's config: ccbox's own, with only harmless keys of the host's. Why not a copy:
 * the host config may name commands (fsmonitor, filters, credential helpers, aliases), and none of
 * them belong in the sandbox either; the agent may change this copy freely, it is never read on the host.
 */
export function sessionConfig(host: Pick<HostGit, 'localConfig' | 'hooksPathInside'>): string {
  const carried = host.localConfig.filter(([k]) => CARRIED.some((re) => re.test(k)));
  const sha256 = carried.some(([k, v]) => k === 'extensions.objectformat' && v === 'sha256');
  const core: Array<[string, string]> = [
    ['core.repositoryformatversion', sha256 ? '1' : '0'],
    ['core.bare', 'false'],
    ['core.logallrefupdates', 'true'],
    // The repository's hooks run inside the sandbox, as they would for a commit on the host.
    ...(host.hooksPathInside
      ? [['core.hookspath', `${WORKSPACE}/${host.hooksPathInside}`] as [string, string]]
      : []),
  ];
  return renderConfig([...core, ...carried.filter(([k]) => k !== 'core.repositoryformatversion')]);
}

/** The session's HEAD as ccbox writes it. */
export const headText = (host: Pick<HostGit, 'branch' | 'head'>): string =>
  host.branch ? `ref: ${host.branch}\n` : `${host.head ?? ''}\n`;

/** The session's packed-refs as ccbox writes it: every host ref. */
export const packedRefsText = (host: Pick<HostGit, 'refs'>): string =>
  host.refs.map(([sha, ref]) => `${sha} ${ref}\n`).join('');

function copyIfFile(from: string, to: string): void {
  if (kindOf(from) === 'file') copyFileSync(from, to);
}

/**
 * Creates the session git dir for `host` in `dir`: HEAD, refs (as packed-refs) and the index copied in,
 * objects borrowed read-only through alternates, ccbox's own config. The host's git dir is never mounted
 * (only its object directories and submodule git dirs, read-only), so nothing the agent writes to git
 * control files can reach it.
 */
export function createSessionGit(
  host: HostGit,
  dir: string,
  owner: Owner,
  gitfileStandIn: string,
): SessionGit {
  mkdirSync(path.join(dir, 'objects/info'), { recursive: true, mode: 0o755 });
  for (const d of ['objects/pack', 'refs/heads', 'refs/tags', 'info', 'hooks'])
    mkdirSync(path.join(dir, d), { recursive: true });
  writeFileSync(path.join(dir, 'HEAD'), headText(host));
  writeFileSync(path.join(dir, 'config'), sessionConfig(host));
  writeFileSync(path.join(dir, 'packed-refs'), packedRefsText(host));
  copyIfFile(path.join(host.gitDir, 'index'), path.join(dir, 'index'));
  for (const name of safeList(host.gitDir).filter((n) => n.startsWith('sharedindex.')))
    copyIfFile(path.join(host.gitDir, name), path.join(dir, name));
  copyIfFile(path.join(host.commonDir, 'info/exclude'), path.join(dir, 'info/exclude'));
  copyIfFile(path.join(host.commonDir, 'shallow'), path.join(dir, 'shallow'));
  const inContainerGit = host.layout === 'dir' ? `${WORKSPACE}/.git` : CONTAINER_GITDIR;
  writeFileSync(
    path.join(dir, 'objects/info/alternates'),
    host.objectDirs.map((_, i) => `${CONTAINER_OBJECTS}/${i}\n`).join(''),
  );
  const mounts: BindMount[] = [];
  let gitfile: string | undefined;
  if (host.layout === 'dir') mounts.push({ source: dir, target: `${WORKSPACE}/.git`, readOnly: false });
  else {
    gitfile = gitfileStandIn;
    writeFileSync(gitfile, `gitdir: ${CONTAINER_GITDIR}\n`, { mode: 0o644 });
    mounts.push({ source: gitfile, target: `${WORKSPACE}/.git`, readOnly: true });
    mounts.push({ source: dir, target: CONTAINER_GITDIR, readOnly: false });
  }
  host.objectDirs.forEach((objects, i) => {
    mounts.push({ source: objects, target: `${CONTAINER_OBJECTS}/${i}`, readOnly: true });
    // Their own alternates name host paths; the session's alternates list every directory already.
    if (existsSync(path.join(objects, 'info/alternates')))
      mounts.push({
        source: '/dev/null',
        target: `${CONTAINER_OBJECTS}/${i}/info/alternates`,
        readOnly: true,
      });
  });
  if (hasModules(host.gitDir)) {
    // Submodule git dirs stay the host's, read-only: their config and hooks run on the host.
    mkdirSync(path.join(dir, 'modules'));
    mounts.push({
      source: path.join(host.gitDir, 'modules'),
      target: `${inContainerGit}/modules`,
      readOnly: true,
    });
  }
  if (mustChown(owner)) {
    chownTree(dir, owner);
    // git refuses a repository whose gitfile belongs to someone else (safe.directory).
    if (gitfile) lchownSync(gitfile, owner.uid, owner.gid);
  }
  return { dir, gitfile, mounts };
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
