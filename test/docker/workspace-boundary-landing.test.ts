import { describe, expect, it } from 'vitest';
import { isRoot, makeRepo } from './cli.js';
import path from 'node:path';
import { markers, notOwned, OWNER, ownerGit, ownerGitOk, ownerWrite } from './workspace-fixtures.js';
import {
  liveCli,
  shellArgs,
  boundaryOutcome,
  must,
  shellSession,
  stepFailures,
} from './workspace-session.js';

// Issue 15, point 1: the agent works in a session git dir; at the end its commits land in the host
// repository with git commands that run none of the repository's hooks. They land on the branch the
// session started on when that branch has not moved on the host meanwhile, else on ccbox/<session>.

const HOOKS = ['pre-commit', 'post-commit', 'reference-transaction', 'post-checkout', 'post-merge'];

/** The agent's everyday git, each step required to work, and two commits. */
const AGENT_WORK = [
  must('status', 'git status'),
  must('diff', 'git diff'),
  must('write-a', 'echo a > a.txt'),
  must('add-a', 'git add a.txt'),
  must('commit-1', 'git commit -qm "agent one"'),
  must('log', 'git log --oneline'),
  must('branch', 'git branch'),
  must('switch-c', 'git switch -q -c x'),
  must('switch-back', 'git switch -q main'),
  must('dirty', 'echo more >> README.md'),
  must('stash', 'git stash -q'),
  must('stash-pop', 'git stash pop -q'),
  must('restore', 'git checkout -q -- README.md'),
  must('write-b', 'echo b > b.txt'),
  must('add-b', 'git add b.txt'),
  must('commit-2', 'git commit -qm "agent two"'),
  'echo worked',
].join('\n');

describe.skipIf(!isRoot)('workspace boundary: landing the agent’s commits', () => {
  it('two commits land on main, the index matches, and none of the host’s hooks ran', async () => {
    const repo = makeRepo(OWNER);
    const m = markers();
    for (const hook of HOOKS) ownerWrite(repo, `.git/hooks/${hook}`, m.hook(hook), 0o755);
    const start = ownerGitOk(repo, 'rev-parse', 'HEAD').trim();
    const r = await shellSession(repo, AGENT_WORK);
    // Before any host git of this test can run a hook itself.
    expect(m.fired()).toEqual([]);
    expect(r.run.code, r.text).toBe(0);
    expect(r.text).toContain('worked');
    expect(stepFailures(r.text)).toEqual([]);
    const head = ownerGitOk(repo, 'rev-parse', 'main').trim();
    expect(r.out.git).toMatchObject({
      startBranch: 'main',
      startCommit: start,
      commits: 2,
      landedOn: 'main',
      head,
      unstaged: false,
      kept: null,
    });
    expect(r.out.controlChanges).toEqual([]);
    expect(ownerGitOk(repo, 'log', '--format=%s', 'main').trim().split('\n')).toEqual([
      'agent two',
      'agent one',
      'init',
    ]);
    expect(ownerGitOk(repo, 'symbolic-ref', 'HEAD').trim()).toBe('refs/heads/main');
    // The index matches the new HEAD: nothing staged, the committed files clean.
    expect(ownerGit(repo, 'diff', '--cached', '--quiet').code).toBe(0);
    expect(notOwned(path.join(repo, '.git'))).toEqual([]);
    expect(ownerGitOk(repo, 'status', '--porcelain', '--', 'a.txt', 'b.txt', 'README.md')).toBe('');
    expect(m.fired()).toEqual([]);
    // The hooks are live: the owner's own commit runs them, so the empty list above means something.
    ownerGitOk(repo, 'commit', '--allow-empty', '-qm', 'owner');
    expect(m.fired()).toEqual(expect.arrayContaining(['pre-commit', 'post-commit', 'reference-transaction']));
  });

  it('when main moved on the host during the session, the agent’s commit lands on ccbox/<session>', async () => {
    const repo = makeRepo(OWNER);
    const live = liveCli(
      shellArgs(
        [
          must('commit', 'echo a > a.txt && git add a.txt && git commit -qm "agent work"'),
          'echo "COMM""ITTED"',
          'until [ -f go ]; do sleep 0.2; done',
        ].join('\n'),
      ),
      { cwd: repo },
    );
    await live.until('COMMITTED');
    ownerGitOk(repo, 'commit', '--allow-empty', '-qm', 'host moved');
    ownerWrite(repo, 'go', '');
    const run = await live.done;
    const o = boundaryOutcome(run);
    expect(run.code, live.output()).toBe(0);
    expect(stepFailures(live.output())).toEqual([]);
    const branch = `ccbox/${o.session ?? ''}`;
    expect(o.git?.landedOn).toBe(branch);
    expect(o.git?.commits).toBe(1);
    expect(ownerGitOk(repo, 'log', '--format=%s', 'main').trim().split('\n')).toEqual(['host moved', 'init']);
    expect(ownerGitOk(repo, 'log', '-1', '--format=%s', branch).trim()).toBe('agent work');
    expect(ownerGitOk(repo, 'rev-parse', `${branch}^`).trim()).toBe(o.git?.startCommit);
  });
});
