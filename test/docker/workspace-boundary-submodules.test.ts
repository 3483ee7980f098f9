import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isRoot } from './cli.js';
import {
  evilGitDir,
  gitControl,
  makeSubmoduleRepo,
  markers,
  ownerGit,
  probeHost,
  q,
  worktreeTree,
} from './workspace-fixtures.js';
import { attempt, escapes, shellSession } from './workspace-session.js';

// Issue 15: a submodule's gitfile and its git dir in .git/modules are as much host-executed control
// files as the top-level .git: host `git status` and `git submodule status` run a submodule's
// core.fsmonitor, and a commit in the submodule runs its hooks. The fixture has lib/sub with its own
// nested submodule lib/sub/deps/nested, so .git/modules/lib/sub/modules/deps/nested is covered too.

const SUB = '.git/modules/lib/sub';
const NESTED = `${SUB}/modules/deps/nested`;

const hookWrite = (dir: string, body: string): string =>
  `printf '%s' ${q(body)} > ${dir}/hooks/pre-commit && chmod +x ${dir}/hooks/pre-commit`;

describe.skipIf(!isRoot)('workspace boundary: submodules', () => {
  it('gitfiles, .git/modules hooks and config (nested too) and .gitmodules cannot be changed; host git runs nothing', async () => {
    const repo = makeSubmoduleRepo();
    const m = markers();
    const files = worktreeTree(repo);
    const control = gitControl(path.join(repo, '.git'));
    const subStatus = ownerGit(repo, 'submodule', 'status', '--recursive').out;
    const script = [
      // Agent-made git dirs for rewritten gitfiles to point at, each with a marker fsmonitor.
      evilGitDir('.evilsub', SUB, m.cmd('gitfile-sub')),
      evilGitDir('.evilnested', NESTED, m.cmd('gitfile-nested')),
      attempt('gitfile-sub', "printf 'gitdir: ../../.evilsub\\n' > lib/sub/.git"),
      attempt('gitfile-nested', "printf 'gitdir: ../../../../.evilnested\\n' > lib/sub/deps/nested/.git"),
      // The submodules' own git dirs.
      attempt('modules-sub-hook', hookWrite(SUB, m.hook('modules-sub-hook'))),
      attempt('modules-nested-hook', hookWrite(NESTED, m.hook('modules-nested-hook'))),
      attempt(
        'modules-sub-config',
        `git config -f ${SUB}/config core.fsmonitor ${q(m.cmd('modules-sub-config'))}`,
      ),
      attempt(
        'modules-nested-config',
        `git config -f ${NESTED}/config core.fsmonitor ${q(m.cmd('modules-nested-config'))}`,
      ),
      attempt('modules-sub-config-append', `printf '[core]\\n\\tfsmonitor = x\\n' >> ${SUB}/config`),
      attempt('modules-sub-commondir', `echo ../../../../.evilsub > ${SUB}/commondir`),
      attempt('modules-nested-commondir', `echo ../../../../../../.evilnested > ${NESTED}/commondir`),
      // Where the submodules come from: an agent-chosen URL would be fetched by the next update.
      attempt(
        'gitmodules',
        'git config -f .gitmodules submodule.lib/sub.url https://attacker.invalid/sub.git',
      ),
      'echo tried',
    ].join('\n');
    const r = await shellSession(repo, script);
    expect(r.text).toContain('tried');
    expect(escapes(r.text)).toEqual([]);
    expect(worktreeTree(repo, /^\.evil(sub|nested)$/)).toEqual(files);
    expect(gitControl(path.join(repo, '.git'))).toEqual(control);
    expect(readFileSync(path.join(repo, 'lib/sub/.git'), 'utf8')).toBe(
      'gitdir: ../../.git/modules/lib/sub\n',
    );
    const probe = probeHost(repo, [path.join(repo, 'lib/sub'), path.join(repo, 'lib/sub/deps/nested')]);
    expect(m.fired(), probe.log).toEqual([]);
    expect(probe.failed, probe.log).toEqual([]);
    // The probe commits moved the submodules' HEADs; their paths and the set of submodules did not.
    const paths = (s: string): string[] => s.split('\n').map((l) => l.trim().split(' ')[1] ?? '');
    expect(paths(ownerGit(repo, 'submodule', 'status', '--recursive').out)).toEqual(paths(subStatus));
  });

  it('the submodule git dirs and gitfiles cannot be moved or removed', async () => {
    const repo = makeSubmoduleRepo();
    const control = gitControl(path.join(repo, '.git'));
    const status = ownerGit(repo, 'submodule', 'status', '--recursive').out;
    const r = await shellSession(
      repo,
      [
        attempt('mv-modules', 'mv .git/modules .git/modules.moved'),
        attempt('mv-modules-sub', `mv ${SUB} ${SUB}.moved`),
        attempt('mv-modules-nested', `mv ${NESTED} ${NESTED}.moved`),
        attempt('rm-gitfile-sub', 'rm -f lib/sub/.git'),
        attempt('rm-gitfile-nested', 'rm -f lib/sub/deps/nested/.git'),
        attempt('rm-modules', 'rm -rf .git/modules 2>/dev/null'),
        'echo tried',
      ].join('\n'),
    );
    expect(r.text).toContain('tried');
    expect(escapes(r.text)).toEqual([]);
    expect(gitControl(path.join(repo, '.git'))).toEqual(control);
    expect(ownerGit(repo, 'submodule', 'status', '--recursive').out).toBe(status);
  });
});
