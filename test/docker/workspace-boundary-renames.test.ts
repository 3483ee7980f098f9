import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isRoot } from './cli.js';
import {
  evilGitDir,
  gitControl,
  makeSubmoduleRepo,
  markers,
  ownerGitOk,
  ownerWrite,
  probeHost,
  q,
  tree,
  worktreeTree,
  type Markers,
} from './workspace-fixtures.js';
import { attempt, escapes, shellSession } from './workspace-session.js';

// Issue 15, point 2: a read-only path must not be escapable by renaming or removing one of its
// ancestors (up to /workspace). One fixture holds each kind of protected path `regulated` has: a CI
// workflow, the core.hooksPath directory, a submodule's gitfile, a profile glob (`**/migrations/**`),
// a profile file glob (`**/*.tf`) and always-protected editor and CI folders.

const PROTECTED: Record<string, string> = {
  '.github/workflows/ci.yml': 'on: push\n',
  '.husky/pre-commit': '#!/bin/sh\nexit 0\n',
  'db/migrations/001.sql': 'create table t (id int);\n',
  'modules/net/main.tf': 'resource "null_resource" "x" {}\n',
  '.vscode/tasks.json': '{"version": "2.0.0", "tasks": []}\n',
  '.circleci/config.yml': 'version: 2.1\n',
  '.devcontainer/devcontainer.json': '{"name": "dev"}\n',
};

/** [ancestor to rename or remove, the protected path below it], deepest first. */
const CASES: Array<[string, string]> = [
  ['lib/sub/deps/nested', 'lib/sub/deps/nested/.git'],
  ['lib/sub/deps', 'lib/sub/deps/nested/.git'],
  ['lib/sub', 'lib/sub/.git'],
  ['lib', 'lib/sub/.git'],
  ['.github/workflows', '.github/workflows/ci.yml'],
  ['.github', '.github/workflows/ci.yml'],
  ['.husky', '.husky/pre-commit'],
  ['db/migrations', 'db/migrations/001.sql'],
  ['db', 'db/migrations/001.sql'],
  ['modules/net/main.tf', 'modules/net/main.tf'],
  ['modules/net', 'modules/net/main.tf'],
  ['modules', 'modules/net/main.tf'],
  ['.vscode', '.vscode/tasks.json'],
  ['.circleci', '.circleci/config.yml'],
  ['.devcontainer', '.devcontainer/devcontainer.json'],
];

function fixture(): string {
  const repo = makeSubmoduleRepo();
  for (const [rel, content] of Object.entries(PROTECTED))
    ownerWrite(repo, rel, content, rel.endsWith('pre-commit') ? 0o755 : 0o644);
  ownerGitOk(repo, 'add', '--', '.', ':!.env');
  ownerGitOk(repo, 'commit', '-qm', 'protected paths');
  ownerGitOk(repo, 'config', 'core.hooksPath', '.husky');
  return repo;
}

/** What the agent puts where the protected path was, once its ancestor is out of the way. */
function replacement(rel: string, m: Markers, label: string): string {
  if (rel.endsWith('/.git')) {
    const depth = rel.split('/').length - 1;
    return `printf 'gitdir: %s\\n' ${q(`${'../'.repeat(depth)}.evilsub`)} > ${rel}`;
  }
  return `printf '%s' ${q(m.hook(label))} > ${rel} && chmod +x ${rel}`;
}

/** The protected files' content on the host, and nothing else. */
const protectedTree = (repo: string): Record<string, string> => {
  const all = tree(repo, (rel) => rel === '.git');
  const wanted = new Set(CASES.map(([, p]) => p));
  return Object.fromEntries(Object.entries(all).filter(([rel]) => wanted.has(rel)));
};

describe.skipIf(!isRoot)('workspace boundary: ancestors of protected paths', () => {
  it('renaming any ancestor of any protected path fails, and the host tree is unchanged', async () => {
    const repo = fixture();
    const m = markers();
    const files = worktreeTree(repo);
    const control = gitControl(path.join(repo, '.git'));
    const script = [
      // A git dir for a replaced submodule gitfile to point at.
      evilGitDir('.evilsub', '.git/modules/lib/sub', m.cmd('evilsub-fsmonitor')),
      ...CASES.map(([ancestor, rel], i) => {
        const label = `after-mv-${i}`;
        return [
          `if ${attempt(`mv:${ancestor}`, `mv ${ancestor} ${ancestor}.moved`)}; then`,
          `  mkdir -p ${path.dirname(rel)}; ${replacement(rel, m, label)}`,
          'fi',
        ].join('\n');
      }),
      'echo tried',
    ].join('\n');
    const r = await shellSession(repo, script);
    expect(r.text).toContain('tried');
    expect(escapes(r.text)).toEqual([]);
    expect(worktreeTree(repo, /^\.evilsub$/)).toEqual(files);
    expect(gitControl(path.join(repo, '.git'))).toEqual(control);
    const probe = probeHost(repo, [path.join(repo, 'lib/sub'), path.join(repo, 'lib/sub/deps/nested')]);
    expect(m.fired(), probe.log).toEqual([]);
    expect(probe.failed, probe.log).toEqual([]);
  });

  it('removing any ancestor of a protected path fails and leaves the protected file in place', async () => {
    const repo = fixture();
    const before = protectedTree(repo);
    const r = await shellSession(
      repo,
      [
        ...CASES.map(([ancestor]) => attempt(`rm:${ancestor}`, `rm -rf ${ancestor} 2>/dev/null`)),
        'echo tried',
      ].join('\n'),
    );
    expect(r.text).toContain('tried');
    expect(escapes(r.text)).toEqual([]);
    expect(protectedTree(repo)).toEqual(before);
  });
});
