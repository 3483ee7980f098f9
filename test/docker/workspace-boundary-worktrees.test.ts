import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CACHE_DIR, isRoot, makeRepo } from './cli.js';
import {
  evilGitDir,
  gitControl,
  markers,
  notOwned,
  OWNER,
  ownerGitOk,
  present,
  probeHost,
  q,
} from './workspace-fixtures.js';
import { attempt, escapes, must, shellSession, stepFailures } from './workspace-session.js';

// Issue 15, point 1 for the two other shapes a checkout has: a linked worktree (`git worktree add`,
// whose .git is a gitfile into the main repository's .git/worktrees) and ccbox's own `--worktree`
// session clone. Host git in every checkout involved must run nothing the agent wrote.

/** The commondir + fsmonitor attack and its neighbours, as in workspace-boundary-gitdir. */
const gitDirAttack = (m: ReturnType<typeof markers>): string =>
  [
    `git config core.fsmonitor ${q(m.cmd('config-fsmonitor'))}`,
    `printf '%s' ${q(m.hook('git-hooks-pre-commit'))} > .git/hooks/pre-commit && chmod +x .git/hooks/pre-commit`,
    evilGitDir('.evil', '.git', m.cmd('commondir-fsmonitor')),
    'echo ../.evil > .git/commondir',
  ].join('\n');

describe.skipIf(!isRoot)('workspace boundary: linked worktrees and --worktree', () => {
  it('in a linked worktree the gitfile is read-only, the commit lands on its branch, host git runs nothing', async () => {
    const repo = makeRepo(OWNER);
    const wt = path.join(path.dirname(repo), 'wt');
    ownerGitOk(repo, 'worktree', 'add', '-q', '../wt', '-b', 'feature');
    const start = ownerGitOk(repo, 'rev-parse', 'main').trim();
    const gitfile = readFileSync(path.join(wt, '.git'), 'utf8');
    const control = gitControl(path.join(repo, '.git'));
    const m = markers();
    const r = await shellSession(
      wt,
      [
        must('commit', 'echo f > f.txt && git add f.txt && git commit -qm "on feature"'),
        // An agent-made git dir for a rewritten gitfile to point at.
        'git init -q .evilwt-src && mv .evilwt-src/.git .evilwt && rmdir .evilwt-src',
        'git --git-dir=.evilwt --work-tree=. add README.md',
        `git --git-dir=.evilwt config core.fsmonitor ${q(m.cmd('wt-gitfile'))}`,
        attempt('gitfile-write', "printf 'gitdir: .evilwt\\n' > .git"),
        attempt('gitfile-mv', 'mv .git .git-old'),
        attempt('gitfile-rm', 'rm -f .git'),
        `git config core.fsmonitor ${q(m.cmd('wt-config'))}`,
        'echo tried',
      ].join('\n'),
    );
    expect(r.run.code, r.text).toBe(0);
    expect(r.text).toContain('tried');
    expect(stepFailures(r.text)).toEqual([]);
    expect(escapes(r.text)).toEqual([]);
    expect(readFileSync(path.join(wt, '.git'), 'utf8')).toBe(gitfile);
    expect(r.out.git?.landedOn).toBe('feature');
    expect(ownerGitOk(repo, 'log', '-1', '--format=%s', 'feature').trim()).toBe('on feature');
    expect(ownerGitOk(repo, 'rev-parse', 'main').trim()).toBe(start);
    expect(gitControl(path.join(repo, '.git'))).toEqual(control);
    expect(notOwned(path.join(repo, '.git'))).toEqual([]);
    const probe = probeHost(repo, [wt]);
    expect(m.fired(), probe.log).toEqual([]);
    expect(probe.failed, probe.log).toEqual([]);
  });

  it('--worktree: the commondir attack runs nothing in the repository or the kept session checkout', async () => {
    const repo = makeRepo(OWNER);
    const start = ownerGitOk(repo, 'rev-parse', 'main').trim();
    const control = gitControl(path.join(repo, '.git'));
    const m = markers();
    const r = await shellSession(
      repo,
      [
        must('commit', 'echo w > w.txt && git add w.txt && git commit -qm "from worktree"'),
        gitDirAttack(m),
        'echo tried',
      ].join('\n'),
      { args: ['--worktree'] },
    );
    expect(r.run.code, r.text).toBe(0);
    expect(r.text).toContain('tried');
    expect(stepFailures(r.text)).toEqual([]);
    const sid = r.out.session ?? '';
    const branch = `ccbox/${sid}`;
    expect(ownerGitOk(repo, 'log', '-1', '--format=%s', branch).trim()).toBe('from worktree');
    expect(ownerGitOk(repo, 'rev-parse', 'main').trim()).toBe(start);
    expect(gitControl(path.join(repo, '.git'))).toEqual(control);
    // The session checkout ccbox keeps is a place the owner runs git in too.
    const kept = [r.out.git?.kept, path.join(CACHE_DIR, 'worktrees', sid)].filter(
      (d): d is string => typeof d === 'string' && present(d),
    );
    const probe = probeHost(repo, [...new Set(kept)]);
    expect(m.fired(), probe.log).toEqual([]);
    // ccbox ran as root here: what it brought into the owner's .git must still be the owner's.
    expect(notOwned(path.join(repo, '.git'))).toEqual([]);
    expect(probe.failed, probe.log).toEqual([]);
  });
});
