import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readHostGit } from '../../../src/workspace/host-git.js';
import { createSessionGit } from '../../../src/workspace/session-git.js';
import { landSession } from '../../../src/workspace/land.js';
import { g, me, repo, tmp, write } from './fixtures.js';

/** A session over `root`, and git as the agent would run it (its own git dir, the host's objects). */
async function session(root: string) {
  const host = await readHostGit(root);
  const work = path.join(host.gitDir, 'ccbox', 's1');
  mkdirSync(work, { recursive: true });
  const sg = createSessionGit(host, path.join(work, 'git'), me, path.join(work, 'gitfile'));
  // In the container the alternates name /run/ccbox/objects/N; here the agent borrows the host paths.
  writeFileSync(path.join(sg.dir, 'objects/info/alternates'), `${host.objectDirs.join('\n')}\n`);
  const agent = (...args: string[]): string =>
    execFileSync('git', ['-c', 'user.name=agent', '-c', 'user.email=a@example.invalid', ...args], {
      cwd: root,
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', HOME: os.tmpdir(), GIT_DIR: sg.dir, GIT_WORK_TREE: root },
    });
  const land = () =>
    landSession({ root, host, sessionGitDir: sg.dir, session: 's1', owner: me, workDir: work });
  return { host, sg, agent, land };
}

const commit = (agent: (...a: string[]) => string, root: string, file: string): void => {
  writeFileSync(path.join(root, file), `${file}\n`);
  agent('add', file);
  agent('commit', '-qm', `add ${file}`);
};

describe('landSession', () => {
  it('lands the agent commits on the starting branch and makes the host index match', async () => {
    const root = repo();
    const s = await session(root);
    expect(s.agent('status', '--porcelain')).toBe('');
    commit(s.agent, root, 'a.txt');
    commit(s.agent, root, 'b.txt');
    const r = await s.land();
    expect(r).toMatchObject({
      startBranch: 'main',
      commits: 2,
      landedOn: 'main',
      kept: null,
      unstaged: false,
    });
    expect(g(root, 'log', '--format=%s', 'main')).toBe('add b.txt\nadd a.txt\ninit\n');
    expect(g(root, 'status', '--porcelain')).toBe('');
    expect(existsSync(s.sg.dir)).toBe(false);
    expect(g(root, 'for-each-ref', 'refs/ccbox')).toBe('');
  });

  it('lands on ccbox/<session> when the host branch moved meanwhile', async () => {
    const root = repo();
    const s = await session(root);
    commit(s.agent, root, 'a.txt');
    write(root, { 'host.txt': 'h' });
    g(root, 'add', 'host.txt');
    g(root, 'commit', '-qm', 'host change');
    const r = await s.land();
    expect(r).toMatchObject({ landedOn: 'ccbox/s1', commits: 1 });
    expect(g(root, 'log', '--format=%s', '-1', 'main').trim()).toBe('host change');
    expect(g(root, 'log', '--format=%s', '-1', 'ccbox/s1').trim()).toBe('add a.txt');
  });

  it('lands a rewritten history on ccbox/<session>, never over the user branch', async () => {
    const root = repo();
    const s = await session(root);
    s.agent('commit', '-q', '--amend', '-m', 'rewritten');
    const r = await s.land();
    expect(r.landedOn).toBe('ccbox/s1');
    expect(g(root, 'log', '--format=%s', '-1', 'main').trim()).toBe('init');
  });

  it('says when the user had staged changes (they stay in the working tree) and lands other branches', async () => {
    const root = repo();
    write(root, { 'staged.txt': 'mine\n' });
    g(root, 'add', 'staged.txt');
    const s = await session(root);
    commit(s.agent, root, 'a.txt');
    s.agent('switch', '-q', '-c', 'feature');
    s.agent('commit', '-q', '--allow-empty', '-m', 'on feature');
    s.agent('switch', '-q', 'main');
    const r = await s.land();
    expect(r).toMatchObject({ landedOn: 'main', unstaged: false });
    expect(r.otherBranches).toEqual(['ccbox/s1-feature']);
    expect(readFileSync(path.join(root, 'staged.txt'), 'utf8')).toBe('mine\n');
    expect(g(root, 'show', '--format=', '--name-only', 'main')).toContain('staged.txt');
  });

  it('reports staged changes the landed commits did not take as unstaged, content kept', async () => {
    const root = repo();
    write(root, { 'staged.txt': 'mine\n' });
    g(root, 'add', 'staged.txt');
    const s = await session(root);
    s.agent('reset', '-q', '--', 'staged.txt');
    commit(s.agent, root, 'a.txt');
    const r = await s.land();
    expect(r).toMatchObject({ landedOn: 'main', unstaged: true });
    expect(g(root, 'status', '--porcelain')).toBe('?? staged.txt\n');
  });

  it('runs nothing the agent wrote into its git dir: config, hooks, fsmonitor, alternates, odd refs', async () => {
    const root = repo();
    const s = await session(root);
    commit(s.agent, root, 'a.txt');
    const marker = path.join(tmp('ccbox-marker-'), 'ran');
    const cmd = `touch ${marker}`;
    writeFileSync(
      path.join(s.sg.dir, 'config'),
      `[core]\n\tfsmonitor = "${cmd}"\n\thooksPath = hooks\n\tpager = "${cmd}"\n\tsshCommand = "${cmd}"\n[uploadpack]\n\tpackObjectsHook = "${cmd}"\n[extensions]\n\trefStorage = reftable\n`,
    );
    for (const hook of [
      'reference-transaction',
      'post-checkout',
      'post-merge',
      'pre-auto-gc',
      'post-commit',
    ]) {
      writeFileSync(path.join(s.sg.dir, 'hooks', hook), `#!/bin/sh\n${cmd}\n`);
      chmodSync(path.join(s.sg.dir, 'hooks', hook), 0o755);
    }
    writeFileSync(path.join(s.sg.dir, 'commondir'), '../../evil\n');
    const elsewhere = tmp('ccbox-elsewhere-');
    writeFileSync(
      path.join(s.sg.dir, 'objects/info/alternates'),
      `${elsewhere}\n${s.host.objectDirs.join('\n')}\n`,
    );
    execFileSync('mkfifo', [path.join(s.sg.dir, 'refs/heads/fifo')]);
    execFileSync('mkfifo', [path.join(s.sg.dir, 'objects/pack/pack-0.pack')]);
    symlinkSync('/etc/passwd', path.join(s.sg.dir, 'objects/pack/pack-1.pack'));
    symlinkSync('/etc/passwd', path.join(s.sg.dir, 'refs/heads/link'));
    const r = await s.land();
    expect(r).toMatchObject({ landedOn: 'main', commits: 1, kept: null });
    g(root, 'status');
    expect(existsSync(marker)).toBe(false);
    expect(g(root, 'branch', '--list', 'ccbox/*')).toBe('');
  });

  it('keeps the session git dir and lands nothing when the agent replaced its object store', async () => {
    const root = repo();
    const s = await session(root);
    commit(s.agent, root, 'a.txt');
    rmSync(path.join(s.sg.dir, 'objects'), { recursive: true });
    symlinkSync(s.host.objectDirs[0] ?? '/', path.join(s.sg.dir, 'objects'));
    const r = await s.land();
    expect(r.landedOn).toBeNull();
    expect(r.kept).toBe(s.sg.dir);
    expect(r.error).toMatch(/object store/);
    expect(g(root, 'log', '--format=%s', '-1').trim()).toBe('init');
  });

  it('refuses objects git fsck would refuse (a tree with a .git entry) and keeps the session dir', async () => {
    const root = repo();
    const s = await session(root);
    const blob = s.agent('hash-object', '-w', '--stdin', '--path', 'x').trim();
    const empty = execFileSync('git', ['hash-object', '-w', '-t', 'blob', '--stdin'], {
      cwd: root,
      input: '[core]\n\tfsmonitor = evil\n',
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', GIT_DIR: s.sg.dir },
    }).trim();
    const tree = execFileSync('git', ['mktree', '--missing'], {
      cwd: root,
      input: `100644 blob ${empty}\t.git\n100644 blob ${blob || empty}\tok\n`,
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', GIT_DIR: s.sg.dir },
    }).trim();
    const head = g(root, 'rev-parse', 'HEAD').trim();
    const c = s.agent('commit-tree', tree, '-p', head, '-m', 'evil').trim();
    s.agent('update-ref', 'refs/heads/main', c);
    const r = await s.land();
    expect(r.landedOn).toBeNull();
    expect(r.kept).toBe(s.sg.dir);
    expect(g(root, 'log', '--format=%s', '-1').trim()).toBe('init');
  });

  it('brings nothing and removes the session dir when the agent made no commit', async () => {
    const root = repo();
    const s = await session(root);
    const r = await s.land();
    expect(r).toMatchObject({ landedOn: null, commits: 0, kept: null });
    expect(existsSync(s.sg.dir)).toBe(false);
  });
});
