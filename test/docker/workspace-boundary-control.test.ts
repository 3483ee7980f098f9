import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isRoot, makeRepo } from './cli.js';
import { markers, OWNER, ownerGitOk, ownerWrite, present, q, worktreeTree } from './workspace-fixtures.js';
import { attempt, escapes, shellSession } from './workspace-session.js';

// Issue 15, point 4: files the host executes or loads (editor tasks, devcontainer commands, direnv, hook
// managers, agent settings, CI definitions) are read-only in every tier, on top of the profile. A missing
// control directory gets an empty read-only stand-in; a missing control file may be created, and is
// moved out of the worktree and reported when the session ends.

/** Existing control files, each with harmless content (`regulated` lists few of them itself). */
const EXISTING: Record<string, string> = {
  '.pre-commit-config.yaml': 'repos: []\n',
  'lefthook.yml': 'pre-commit:\n  commands: {}\n',
  '.lefthook.yml': 'pre-push:\n  commands: {}\n',
  'lefthook.yaml': 'post-merge:\n  commands: {}\n',
  '.lefthook.yaml': 'post-checkout:\n  commands: {}\n',
  '.gitmodules': '# no submodules yet\n',
  '.vscode/tasks.json': '{"version": "2.0.0", "tasks": []}\n',
  '.idea/workspace.xml': '<project version="4"/>\n',
  '.devcontainer/devcontainer.json': '{"name": "dev"}\n',
  '.devcontainer.json': '{"name": "dev"}\n',
  '.envrc': 'export FOO=1\n',
  '.claude/settings.json': '{}\n',
  '.mcp.json': '{"mcpServers": {}}\n',
  '.github/workflows/ci.yml': 'on: push\n',
  '.gitlab-ci.yml': 'stages: [test]\n',
  '.gitlab/ci/build.yml': 'build: {script: [true]}\n',
  '.circleci/config.yml': 'version: 2.1\n',
  '.buildkite/pipeline.yml': 'steps: []\n',
};

const MISSING_DIRS = [
  '.vscode',
  '.idea',
  '.devcontainer',
  '.husky',
  '.githooks',
  '.claude',
  '.gitlab',
  '.circleci',
  '.buildkite',
  '.github/workflows',
];

const MISSING_FILES = [
  '.envrc',
  '.mcp.json',
  '.pre-commit-config.yaml',
  'lefthook.yml',
  '.devcontainer.json',
  '.gitlab-ci.yml',
  '.gitmodules',
];

describe.skipIf(!isRoot)('workspace boundary: control paths in every tier', () => {
  it('existing control files cannot be written, removed or renamed, nor new files put beside them', async () => {
    const repo = makeRepo(OWNER);
    for (const [rel, content] of Object.entries(EXISTING)) ownerWrite(repo, rel, content);
    ownerGitOk(repo, 'add', '--', '.', ':!.env');
    ownerGitOk(repo, 'commit', '-qm', 'control files');
    const files = worktreeTree(repo);
    const m = markers();
    const dirs = new Set(
      Object.keys(EXISTING)
        .filter((rel) => rel.includes('/'))
        .map((rel) => path.dirname(rel)),
    );
    const r = await shellSession(
      repo,
      [
        ...Object.keys(EXISTING).flatMap((rel) => [
          attempt(`write:${rel}`, `echo ${q(`touch ${m.file('written')}`)} >> ${rel}`),
          attempt(`rm:${rel}`, `rm -f ${rel}`),
          attempt(`mv:${rel}`, `mv ${rel} ${rel}.moved`),
        ]),
        ...[...dirs].map((dir) => attempt(`new-in:${dir}`, `echo x > ${dir}/planted.json`)),
        'echo tried',
      ].join('\n'),
    );
    expect(r.text).toContain('tried');
    expect(escapes(r.text)).toEqual([]);
    expect(worktreeTree(repo)).toEqual(files);
  });

  it('missing control directories are empty and read-only, and nothing of them is left on the host', async () => {
    const repo = makeRepo(OWNER);
    const files = worktreeTree(repo);
    const r = await shellSession(
      repo,
      [
        ...MISSING_DIRS.map((dir) =>
          attempt(`create-in:${dir}`, `mkdir -p ${dir} && echo x > ${dir}/planted`),
        ),
        'echo tried',
      ].join('\n'),
    );
    expect(r.text).toContain('tried');
    expect(escapes(r.text)).toEqual([]);
    for (const dir of MISSING_DIRS) expect(present(path.join(repo, dir)), dir).toBe(false);
    expect(present(path.join(repo, '.github'))).toBe(false);
    expect(worktreeTree(repo)).toEqual(files);
  });

  it('a control file the agent creates is moved out of the worktree at the end and reported', async () => {
    const repo = makeRepo(OWNER);
    const m = markers();
    const r = await shellSession(
      repo,
      [
        ...MISSING_FILES.map((rel) => `echo ${q(`touch ${m.file(rel)}`)} > ${rel}`),
        'echo created',
        'echo keep > ordinary.txt',
      ].join('\n'),
    );
    expect(r.run.code, r.text).toBe(0);
    expect(r.text).toContain('created');
    for (const rel of MISSING_FILES) expect(present(path.join(repo, rel)), rel).toBe(false);
    const reported = (r.out.leftovers ?? []).filter((l) => l.kind === 'control-file').map((l) => l.path);
    expect(reported.sort()).toEqual([...MISSING_FILES].sort());
    // Ordinary work stays where it was made.
    expect(present(path.join(repo, 'ordinary.txt'))).toBe(true);
    expect(m.fired()).toEqual([]);
  });
});
