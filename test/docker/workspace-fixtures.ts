import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  chmodSync,
  lchownSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { onTestFinished } from 'vitest';
import { makeRepo } from './cli.js';

/** The uid:gid every fixture repository belongs to (the tests themselves run as root). */
export const OWNER = 1000;

/** Why an explicit environment: host git must read no config of the machine the tests run on. */
const ownerEnv = (): Record<string, string> => ({
  PATH: process.env.PATH ?? '/usr/bin:/bin',
  HOME: os.tmpdir(),
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
});

export interface GitRun {
  code: number;
  out: string;
}

/** git on the host as the repository's owner would run it (uid 1000, an identity, nothing else). */
export function ownerGit(cwd: string, ...args: string[]): GitRun {
  const r = spawnSync(
    'git',
    [
      '-c',
      'user.name=owner',
      '-c',
      'user.email=owner@example.invalid',
      '-c',
      'protocol.file.allow=always',
      ...args,
    ],
    { cwd, uid: OWNER, gid: OWNER, encoding: 'utf8', env: ownerEnv(), timeout: 60_000 },
  );
  return { code: r.status ?? -1, out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

/** ownerGit for fixture set-up: a failure is a broken fixture, not a test result. */
export function ownerGitOk(cwd: string, ...args: string[]): string {
  const r = ownerGit(cwd, ...args);
  if (r.code !== 0) throw new Error(`fixture: git ${args.join(' ')} in ${cwd} failed:\n${r.out}`);
  return r.out;
}

/** Writes a file (and its missing parents) as the fixture owner. */
export function ownerWrite(root: string, rel: string, content: string, mode = 0o644): string {
  const abs = path.join(root, rel);
  let dir = root;
  for (const part of path
    .dirname(rel)
    .split('/')
    .filter((p) => p !== '.')) {
    dir = path.join(dir, part);
    mkdirSync(dir, { recursive: true });
    lchownSync(dir, OWNER, OWNER);
  }
  writeFileSync(abs, content);
  chmodSync(abs, mode);
  lchownSync(abs, OWNER, OWNER);
  return abs;
}

/**
 * A repository (from makeRepo) with submodule lib/sub, which has its own submodule deps/nested; both
 * come from local bare repositories next to the repository, and everything belongs to OWNER.
 */
export function makeSubmoduleRepo(): string {
  const repo = makeRepo(OWNER);
  const parent = path.dirname(repo);
  const seed = (name: string, setup?: (work: string) => void): string => {
    const bare = path.join(parent, `${name}.git`);
    const work = path.join(parent, `${name}-work`);
    ownerGitOk(parent, 'init', '-q', '--bare', '-b', 'main', bare);
    ownerGitOk(parent, 'init', '-q', '-b', 'main', work);
    ownerWrite(work, `${name}.txt`, `${name}\n`);
    ownerGitOk(work, 'add', `${name}.txt`);
    ownerGitOk(work, 'commit', '-qm', name);
    setup?.(work);
    ownerGitOk(work, 'push', '-q', bare, 'HEAD:main');
    return bare;
  };
  const nested = seed('nested');
  const sub = seed('sub', (work) => {
    ownerGitOk(work, 'submodule', 'add', '-q', nested, 'deps/nested');
    ownerGitOk(work, 'commit', '-qm', 'nested submodule');
  });
  ownerGitOk(repo, 'submodule', 'add', '-q', sub, 'lib/sub');
  ownerGitOk(repo, 'submodule', 'update', '-q', '--init', '--recursive');
  ownerGitOk(repo, 'commit', '-qm', 'submodule');
  return repo;
}

/** Marker files on the host, one per attack vector, so a failure says which vector ran. */
export interface Markers {
  file(label: string): string;
  /** A command string for core.fsmonitor and the like (git may append arguments; `;:` swallows them). */
  cmd(label: string): string;
  /** An executable hook script body. */
  hook(label: string): string;
  /** Labels whose marker exists on the host now. */
  fired(): string[];
}

/** Why /tmp: the container's /tmp is its own tmpfs, so a marker there can only come from the host. */
export function markers(): Markers {
  const prefix = `ccbox-marker-${randomBytes(5).toString('hex')}-`;
  const file = (label: string): string => path.join(os.tmpdir(), `${prefix}${label}`);
  const fired = (): string[] =>
    readdirSync(os.tmpdir())
      .filter((n) => n.startsWith(prefix))
      .map((n) => n.slice(prefix.length))
      .sort();
  onTestFinished(() => {
    for (const label of fired()) rmSync(file(label), { force: true });
  });
  return {
    file,
    cmd: (label) => `touch ${file(label)};:`,
    hook: (label) => `#!/bin/sh\ntouch ${file(label)}\nexit 0\n`,
    fired,
  };
}

/** What probeHost saw: a transcript for failure messages, and the commands that did not exit 0. */
export interface Probe {
  log: string;
  failed: string[];
}

/**
 * What the repository's owner does after a session: status, commit, submodule status, in the repository
 * and in each extra checkout. Why `failed`: a probe that could not run would find no marker either.
 */
export function probeHost(repo: string, extraDirs: readonly string[] = []): Probe {
  const log: string[] = [];
  const failed: string[] = [];
  const run = (dir: string, ...args: string[]): void => {
    const r = ownerGit(dir, ...args);
    const what = `(cd ${dir} && git ${args.join(' ')})`;
    log.push(`$ ${what} -> ${r.code}\n${r.out.trim()}`);
    if (r.code !== 0) failed.push(what);
  };
  run(repo, 'status');
  run(repo, 'submodule', 'status', '--recursive');
  run(repo, 'commit', '--allow-empty', '-m', 'probe');
  for (const dir of extraDirs) {
    run(dir, 'status');
    run(dir, 'commit', '--allow-empty', '-m', 'probe');
  }
  return { log: log.join('\n'), failed };
}

/** Is there anything at `p` (a dangling link counts)? */
export function present(p: string): boolean {
  try {
    lstatSync(p);
    return true;
  } catch {
    return false;
  }
}

export function isLink(p: string): boolean {
  try {
    return lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}

/** Every entry below `root` without following links: kind, mode and content hash (or link target). */
export function tree(root: string, skip: (rel: string) => boolean = () => false): Record<string, string> {
  const out: Record<string, string> = {};
  const visit = (rel: string): void => {
    for (const name of readdirSync(path.join(root, rel)).sort()) {
      const childRel = rel === '' ? name : `${rel}/${name}`;
      if (skip(childRel)) continue;
      const abs = path.join(root, childRel);
      const st = lstatSync(abs);
      if (st.isSymbolicLink()) out[childRel] = `link -> ${readlinkSync(abs)}`;
      else if (st.isDirectory()) {
        out[childRel] = 'dir';
        visit(childRel);
      } else {
        const hash = createHash('sha256').update(readFileSync(abs)).digest('hex').slice(0, 16);
        out[childRel] = `file ${(st.mode & 0o777).toString(8)} ${hash}`;
      }
    }
  };
  visit('');
  return out;
}

/**
 * Paths below `dir` (links not followed) that do not belong to OWNER. Why: ccbox runs as root in CI;
 * a root-owned object directory it leaves in the host's .git makes the owner's next commit fail.
 */
export function notOwned(dir: string): string[] {
  const out: string[] = [];
  const visit = (abs: string): void => {
    const st = lstatSync(abs);
    if (st.uid !== OWNER) out.push(path.relative(dir, abs) || '.');
    if (st.isDirectory() && !st.isSymbolicLink()) for (const n of readdirSync(abs)) visit(path.join(abs, n));
  };
  visit(dir);
  return out;
}

/**
 * The worktree without its top-level .git (whose data the landing of commits may change), and without
 * the agent's own scratch folders (`scratch`, matched against top-level names).
 */
export const worktreeTree = (repo: string, scratch?: RegExp): Record<string, string> =>
  tree(repo, (rel) => rel === '.git' || (scratch?.test(rel) ?? false));

const CONTROL = new Set(['config', 'config.worktree', 'commondir', 'gitdir', 'hooks']);
const DATA = new Set(['objects', 'refs', 'logs']);

/**
 * The files of a git dir that decide what host git runs: config, commondir, hooks (and gitdir), at any
 * depth (modules/**, worktrees/*), with `commondir` recorded as absent when it is.
 */
export function gitControl(gitDir: string): Record<string, string> {
  const all = tree(gitDir, (rel) => DATA.has(path.basename(rel)));
  const out: Record<string, string> = {};
  for (const [rel, v] of Object.entries(all)) if (rel.split('/').some((p) => CONTROL.has(p))) out[rel] = v;
  if (!present(path.join(gitDir, 'commondir'))) out.commondir = 'absent';
  return out;
}

/** POSIX single quotes, for values put into the agent's `sh -c` scripts. */
export const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * Script lines that turn `dir` (worktree-relative) into a git dir whose config runs `fsmonitorCmd`.
 * Objects and refs are copied from `from` so that git accepts it and status gets far enough to ask.
 */
export const evilGitDir = (dir: string, from: string, fsmonitorCmd: string): string =>
  [
    `mkdir -p ${dir}`,
    `cp -R ${from}/objects ${from}/refs ${from}/HEAD ${from}/index ${dir}/ 2>/dev/null`,
    `printf '[core]\\n\\trepositoryformatversion = 0\\n\\tbare = false\\n\\tfsmonitor = "%s"\\n' ${q(fsmonitorCmd)} > ${dir}/config`,
  ].join('\n');
