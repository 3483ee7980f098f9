import { mkdirSync, readdirSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { locateGitDir, objectChain, readHostGit } from '../../../src/workspace/host-git.js';
import { sessionConfig } from '../../../src/workspace/session-git.js';
import { matchSecrets } from '../../../src/workspace/tracked-secrets.js';
import { g, repo, tmp } from './fixtures.js';
import { packageRoot } from '../../../src/paths.js';
import { ALWAYS_PROTECTED } from '../../../src/policy/control-paths.js';

const refusal = (fn: () => unknown): { exitCode?: number; message?: string; hint?: string } => {
  try {
    fn();
  } catch (e) {
    return e as { exitCode?: number; message?: string; hint?: string };
  }
  return {};
};

describe('locateGitDir', () => {
  it('takes a repository .git directory', () => {
    const root = repo();
    expect(locateGitDir(root)).toEqual({ layout: 'dir', gitDir: `${root}/.git`, commonDir: `${root}/.git` });
  });

  it('refuses a .git that is a link, and a .git with a commondir, with exit 2', () => {
    const root = repo();
    const real = path.join(path.dirname(root), 'real.git');
    g(root, 'init', '-q', '--bare', real);
    const other = path.join(tmp(), 'r');
    mkdirSync(other);
    symlinkSync(real, path.join(other, '.git'));
    expect(refusal(() => locateGitDir(other)).exitCode).toBe(2);
    expect(refusal(() => locateGitDir(other)).message).toContain('.git is a symbolic link');
    writeFileSync(path.join(root, '.git/commondir'), '../.evil\n');
    expect(refusal(() => locateGitDir(root)).exitCode).toBe(2);
    expect(refusal(() => locateGitDir(root)).message).toContain('.git/commondir');
  });

  it('takes the gitfile of a linked worktree, and refuses a gitfile to anywhere else without echoing it', () => {
    const root = repo();
    const wt = path.join(path.dirname(root), 'wt');
    g(root, 'worktree', 'add', '-q', wt, '-b', 'feature');
    const got = locateGitDir(wt);
    expect(got.layout).toBe('gitfile');
    expect(got.commonDir).toBe(realpathSync(`${root}/.git`));
    expect(got.gitDir).toBe(realpathSync(`${root}/.git/worktrees/wt`));

    const elsewhere = tmp();
    g(elsewhere, 'init', '-q', '--bare', 'x.git');
    writeFileSync(path.join(wt, '.git'), `gitdir: ${elsewhere}/x.git\n`);
    expect(refusal(() => locateGitDir(wt)).exitCode).toBe(2);
    expect(refusal(() => locateGitDir(wt)).message).toContain('points outside');
    writeFileSync(path.join(wt, '.git'), 'API_TOKEN=SECRET-VALUE-123\n');
    const e = refusal(() => locateGitDir(wt));
    expect(e.exitCode).toBe(2);
    expect(`${e.message} ${e.hint}`).not.toContain('SECRET-VALUE');
    // A worktree admin dir that does not point back at this checkout is not this checkout's.
    writeFileSync(path.join(wt, '.git'), `gitdir: ${root}/.git/worktrees/wt\n`);
    writeFileSync(path.join(root, '.git/worktrees/wt/gitdir'), '/somewhere/else/.git\n');
    expect(refusal(() => locateGitDir(wt))).toMatchObject({ exitCode: 2 });
  });
});

describe('readHostGit', () => {
  it('reads branch, head, refs, the object chain (alternates followed) and core.hooksPath inside', async () => {
    const root = repo();
    g(root, 'config', 'core.hooksPath', '.husky');
    const clone = path.join(path.dirname(root), 'clone');
    g(path.dirname(root), 'clone', '-q', '--shared', root, clone);
    const h = await readHostGit(clone);
    expect(h.branch).toBe('refs/heads/main');
    expect(h.head).toMatch(/^[0-9a-f]{40}$/);
    expect(h.refs.map(([, r]) => r)).toContain('refs/remotes/origin/main');
    expect(h.objectDirs).toEqual([
      realpathSync(`${clone}/.git/objects`),
      realpathSync(`${root}/.git/objects`),
    ]);
    expect((await readHostGit(root)).hooksPathInside).toBe('.husky');
    expect(objectChain(`${root}/.git`)).toEqual([realpathSync(`${root}/.git/objects`)]);
  });

  it('refuses core.hooksPath naming the worktree itself', async () => {
    const root = repo();
    g(root, 'config', 'core.hooksPath', '.');
    await expect(readHostGit(root)).rejects.toMatchObject({ exitCode: 2 });
  });
});

describe('the session git config', () => {
  it('carries only harmless keys of the host: never fsmonitor, hooks, filters, aliases or credential helpers', async () => {
    const root = repo();
    for (const [k, v] of [
      ['core.fsmonitor', 'evil'],
      ['core.pager', 'evil'],
      ['filter.x.clean', 'evil'],
      ['alias.st', '!evil'],
      ['credential.helper', 'evil'],
      ['submodule.lib.update', '!evil'],
      ['remote.origin.url', 'https://example.invalid/r.git'],
      ['submodule.lib.url', 'https://example.invalid/lib.git'],
      ['user.name', 'Local Name'],
    ])
      g(root, 'config', k as string, v as string);
    const text = sessionConfig(await readHostGit(root));
    expect(text).not.toContain('evil');
    expect(text).toContain('https://example.invalid/r.git');
    expect(text).toContain('https://example.invalid/lib.git');
    expect(text).toContain('"Local Name"');
    // git itself reads it back.
    const dir = tmp();
    writeFileSync(path.join(dir, 'config'), text);
    expect(g(dir, 'config', '--file', 'config', 'remote.origin.url').trim()).toBe(
      'https://example.invalid/r.git',
    );
    expect(readdirSync(dir)).toEqual(['config']);
    expect(readFileSync(path.join(dir, 'config'), 'utf8')).toMatch(/^\[core\]/);
  });
});

describe('matchSecrets', () => {
  it('matches tracked files against the tier patterns; a literal folder covers what is below it', () => {
    const files = ['.env', 'src/app.ts', 'secrets/prod.key', 'a/b/id_rsa', '.env.example', 'config/x.pem'];
    expect(matchSecrets(files, ['.env', 'secrets', '**/id_rsa*', '**/*.pem'])).toEqual([
      '.env',
      'secrets/prod.key',
      'a/b/id_rsa',
      'config/x.pem',
    ]);
    expect(matchSecrets(files, [])).toEqual([]);
  });
});

describe('the README', () => {
  it('documents every path ccbox always protects', () => {
    const readme = readFileSync(path.join(packageRoot(), 'README.md'), 'utf8');
    const table = readme.slice(readme.indexOf('## The workspace boundary'), readme.indexOf('## Profiles'));
    for (const c of ALWAYS_PROTECTED) expect(table, c.path).toContain(`\`${c.path}`);
  });
});
