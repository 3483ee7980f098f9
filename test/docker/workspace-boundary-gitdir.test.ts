import { lstatSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isRoot, makeRepo } from './cli.js';
import {
  evilGitDir,
  gitControl,
  markers,
  OWNER,
  ownerGit,
  present,
  probeHost,
  q,
  worktreeTree,
} from './workspace-fixtures.js';
import { attempt, escapes, shellSession } from './workspace-session.js';

// Issue 15, attacks on the repository's own git dir from inside a `regulated` session. Each attack plants
// a marker command; the harm would land when the owner runs git on the host afterwards, so that is
// where the tests look. Writes *inside* /workspace/.git may succeed (it is the session's own git dir):
// what must hold is that the host's .git is unchanged and host git runs nothing.

/** Writes a hook script into `dir` inside the container. */
const plantHook = (dir: string, name: string, body: string): string =>
  `mkdir -p ${dir} 2>/dev/null; printf '%s' ${q(body)} > ${dir}/${name} && chmod +x ${dir}/${name}`;

describe.skipIf(!isRoot)('workspace boundary: the host git dir', () => {
  it('commondir to an agent-made git dir, fsmonitor, hooksPath and hooks in .git: host git runs none of them', async () => {
    const repo = makeRepo(OWNER);
    const m = markers();
    const control = gitControl(path.join(repo, '.git'));
    const configBefore = readFileSync(path.join(repo, '.git/config'));
    const r = await shellSession(
      repo,
      [
        // The same settings straight into the session's .git (may succeed: it is not the host's).
        `git config core.fsmonitor ${q(m.cmd('config-fsmonitor'))}`,
        'git config core.hooksPath .evilhooks',
        plantHook('.evilhooks', 'pre-commit', m.hook('hookspath-pre-commit')),
        plantHook('.evilhooks', 'post-commit', m.hook('hookspath-post-commit')),
        `printf '[core]\\n\\tfsmonitor = "%s"\\n' ${q(m.cmd('config-worktree'))} > .git/config.worktree`,
        'git config extensions.worktreeConfig true',
        ...['pre-commit', 'post-commit', 'reference-transaction', 'post-checkout', 'post-merge'].map((h) =>
          plantHook('.git/hooks', h, m.hook(`git-hooks-${h}`)),
        ),
        // The attack (last, so the lines above still aim at .git itself): .git/commondir ->
        // ../.evil, whose config sets core.fsmonitor.
        evilGitDir('.evil', '.git', m.cmd('commondir-fsmonitor')),
        'echo ../.evil > .git/commondir',
        'echo planted',
      ].join('\n'),
    );
    expect(r.text).toContain('planted');
    const probe = probeHost(repo);
    expect(m.fired(), probe.log).toEqual([]);
    expect(probe.failed, probe.log).toEqual([]);
    // Where the harm would land: the host's git dir.
    expect(present(path.join(repo, '.git/commondir'))).toBe(false);
    expect(readFileSync(path.join(repo, '.git/config'))).toEqual(configBefore);
    expect(gitControl(path.join(repo, '.git'))).toEqual(control);
  });

  it('`mv .git` fails, so no fresh .git with hooks and config can take its place', async () => {
    const repo = makeRepo(OWNER);
    const m = markers();
    const control = gitControl(path.join(repo, '.git'));
    const files = worktreeTree(repo);
    const r = await shellSession(
      repo,
      [
        // Moved into a folder (and back, so that the next attempt starts from the same place).
        `if ${attempt('mv-.git-into-dir', 'mkdir -p attic && mv .git attic/')}; then mv attic/.git .git; fi`,
        `if ${attempt('mv-.git', 'mv .git .git-old')}; then`,
        // What an attacker does next: a look-alike .git with its own hooks and config.
        evilGitDir('.git', '.git-old', m.cmd('fresh-git-fsmonitor')),
        plantHook('.git/hooks', 'pre-commit', m.hook('fresh-git-pre-commit')),
        'fi',
        'echo tried',
      ].join('\n'),
    );
    expect(r.text).toContain('tried');
    expect(escapes(r.text)).toEqual([]);
    const probe = probeHost(repo);
    expect(m.fired(), probe.log).toEqual([]);
    expect(probe.failed, probe.log).toEqual([]);
    expect(lstatSync(path.join(repo, '.git')).isDirectory()).toBe(true);
    expect(gitControl(path.join(repo, '.git'))).toEqual(control);
    // The agent's own scratch directory is fine; nothing else may differ.
    expect(worktreeTree(repo, /^attic$/)).toEqual(files);
  });

  it('`rm -rf .git` inside the session leaves the host repository, its history and its branch intact', async () => {
    const repo = makeRepo(OWNER);
    const head = ownerGit(repo, 'rev-parse', 'HEAD').out.trim();
    const control = gitControl(path.join(repo, '.git'));
    const r = await shellSession(repo, 'rm -rf .git 2>/dev/null; ls -a .git 2>&1 | head -3; echo removed');
    expect(r.text).toContain('removed');
    const rev = ownerGit(repo, 'rev-parse', 'main');
    expect(rev.out.trim(), rev.out).toBe(head);
    expect(ownerGit(repo, 'log', '--format=%s', 'main').out.trim()).toBe('init');
    expect(ownerGit(repo, 'fsck', '--no-dangling').code).toBe(0);
    expect(gitControl(path.join(repo, '.git'))).toEqual(control);
  });
});
