import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isRoot, makeRepo, runCli } from './cli.js';
import { evilGitDir, isLink, markers, OWNER, present, probeHost, q } from './workspace-fixtures.js';
import { shellSession } from './workspace-session.js';

// Issue 15, point 5: what the agent leaves in the worktree for host tools to stumble on. A `.git` file
// or directory below the top level makes host git treat that folder as a repository with the agent's
// config; a symlink out of the worktree leads an editor or a script to a host path. After the session
// they are made inert (renamed, removed) and reported; a symlink that stays inside the worktree is kept.

describe.skipIf(!isRoot)('workspace boundary: leftovers', () => {
  it('a nested git dir, a nested gitfile and links out of the worktree are neutralised and reported', async () => {
    const repo = makeRepo(OWNER);
    const m = markers();
    const r = await shellSession(
      repo,
      [
        'git init -q sub',
        `git -C sub config core.fsmonitor ${q(m.cmd('nested-git-dir'))}`,
        evilGitDir('.evil2', '.git', m.cmd('nested-gitfile')),
        "mkdir -p lib2 && printf 'gitdir: ../.evil2\\n' > lib2/.git",
        'ln -s /etc out',
        'mkdir -p deep/a && ln -s ../../../.. deep/a/up',
        'ln -s README.md in',
        'echo planted',
      ].join('\n'),
    );
    expect(r.run.code, r.text).toBe(0);
    expect(r.text).toContain('planted');
    const sid = r.out.session ?? '';
    const byPath = new Map((r.out.leftovers ?? []).map((l) => [l.path, l]));
    expect([...byPath.keys()].sort()).toEqual(['deep/a/up', 'lib2/.git', 'out', 'sub/.git']);
    expect(byPath.get('sub/.git')?.kind).toBe('git-dir');
    expect(byPath.get('lib2/.git')?.kind).toBe('git-file');
    expect(byPath.get('out')).toMatchObject({ kind: 'symlink', target: '/etc' });
    expect(byPath.get('deep/a/up')?.kind).toBe('symlink');
    // Where host tools would find them: git dirs renamed out of git's way, outward links gone.
    expect(present(path.join(repo, 'sub/.git'))).toBe(false);
    expect(present(path.join(repo, `sub/.git.ccbox-inert-${sid}`))).toBe(true);
    expect(present(path.join(repo, 'lib2/.git'))).toBe(false);
    expect(present(path.join(repo, `lib2/.git.ccbox-inert-${sid}`))).toBe(true);
    expect(isLink(path.join(repo, 'out'))).toBe(false);
    expect(isLink(path.join(repo, 'deep/a/up'))).toBe(false);
    expect(isLink(path.join(repo, 'in'))).toBe(true);
    // The owner runs git where the agent left its repositories.
    const probe = probeHost(repo, [path.join(repo, 'sub'), path.join(repo, 'lib2')]);
    expect(m.fired(), probe.log).toEqual([]);
    expect(probe.failed, probe.log).toEqual([]);
  });

  it('--plain names where the commits landed and each leftover on stderr', async () => {
    const repo = makeRepo(OWNER);
    const r = await runCli(
      [
        'shell',
        '--plain',
        '--profile',
        'regulated',
        '--',
        'sh',
        '-c',
        [
          'mkdir -p x && git init -q x/y',
          'ln -s /etc outward-link',
          'echo c > c.txt && git add c.txt && git commit -qm "agent commit"',
        ].join('\n'),
      ],
      { cwd: repo },
    );
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stderr.split('\n');
    expect(
      lines.some((l) => l.includes('landed') && /\bmain\b/.test(l)),
      r.stderr,
    ).toBe(true);
    expect(
      lines.some((l) => l.includes('x/y/.git')),
      r.stderr,
    ).toBe(true);
    expect(
      lines.some((l) => l.includes('outward-link')),
      r.stderr,
    ).toBe(true);
  });
});
