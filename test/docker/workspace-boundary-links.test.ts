import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { lchownSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isRoot, makeRepo, runCli } from './cli.js';
import { isLink, OWNER, present, q, tree } from './workspace-fixtures.js';
import { liveCli, shellArgs, shellSession, startedSteps, type SessionRun } from './workspace-session.js';
import { containerIds, dockerEngine } from './testbed/engines.js';

// Issue 15, point 3: mount paths are checked without following links. A previous session (or anything
// else with write access to the worktree) can leave a control path as a symlink to a host directory;
// the next session must refuse before it creates or mounts anything, instead of binding the link's
// target (here a fake ~/.kube) into the container or creating stand-ins inside it.

/** A fake home holding a credential directory with a recognisable secret. */
function fakeKube(): { dir: string; secret: string } {
  const home = mkdtempSync(path.join(os.tmpdir(), 'ccbox-fakehome-'));
  const dir = path.join(home, '.kube');
  const secret = `FAKE-KUBE-SECRET-${path.basename(home)}`;
  mkdirSync(dir);
  writeFileSync(path.join(dir, 'config'), `apiVersion: v1\n# ${secret}\n`);
  writeFileSync(path.join(dir, 'settings.json'), `{"token": "${secret}"}\n`);
  mkdirSync(path.join(dir, 'workflows'));
  writeFileSync(path.join(dir, 'workflows', 'x.yml'), `# ${secret}\n`);
  return { dir, secret };
}

/** What the agent would do if the session started: read whatever the control paths lead to. */
const READ_ALL =
  'for p in .git .claude .github .mcp.json; do ls -la "$p"; cat "$p" "$p"/* "$p"/*/* 2>/dev/null; done; echo "STA""RTED"';

/** `name` as a path on its own in `text` (so `.git` does not match inside `.github`). */
const names = (text: string, name: string): boolean =>
  new RegExp(`(^|[^\\w.])${name.replace(/\./g, '\\.')}(?![\\w.-])`, 'm').test(text);

function expectRefused(r: SessionRun, name: string, secret: string): void {
  expect(r.run.code, r.text).toBe(2);
  expect(names(r.run.stderr, name), r.run.stderr).toBe(true);
  expect(r.text).not.toContain('STARTED');
  expect(r.text).not.toContain(secret);
  expect(startedSteps(r.out)).toEqual([]);
  expect(r.created).toEqual([]);
}

type Plant = (repo: string, outside: string) => void;

const replaceWithLink =
  (rel: string): Plant =>
  (repo, outside) => {
    rmSync(path.join(repo, rel), { recursive: true, force: true });
    symlinkSync(outside, path.join(repo, rel));
    lchownSync(path.join(repo, rel), OWNER, OWNER);
  };

/** `.git` as a gitfile naming a real git dir outside the repository (another repository's). */
const outsideGitfile: Plant = (repo, outside) => {
  const other = path.join(path.dirname(outside), 'other');
  execFileSync('git', ['init', '-q', other]);
  rmSync(path.join(repo, '.git'), { recursive: true, force: true });
  writeFileSync(path.join(repo, '.git'), `gitdir: ${path.join(other, '.git')}\n`);
  lchownSync(path.join(repo, '.git'), OWNER, OWNER);
};

describe.skipIf(!isRoot)('workspace boundary: links at mount paths', () => {
  it.each<[string, string, Plant]>([
    ['.git is a symlink to ~/.kube', '.git', replaceWithLink('.git')],
    ['.claude is a symlink to a directory outside', '.claude', replaceWithLink('.claude')],
    ['.github is a symlink to a directory outside', '.github', replaceWithLink('.github')],
    ['.git is a gitfile naming a git dir outside', '.git', outsideGitfile],
  ])('%s: exit 2 naming the path, nothing started, the target untouched', async (_title, name, plant) => {
    const repo = makeRepo(OWNER);
    const kube = fakeKube();
    plant(repo, kube.dir);
    const outsideBefore = tree(path.dirname(kube.dir));
    const r = await shellSession(repo, READ_ALL, { watch: true });
    expectRefused(r, name, kube.secret);
    expect(tree(path.dirname(kube.dir))).toEqual(outsideBefore);
  });

  it('a symlink planted as .mcp.json by a killed session makes the next session refuse, naming it', async () => {
    const repo = makeRepo(OWNER);
    const kube = fakeKube();
    const outsideBefore = tree(path.dirname(kube.dir));
    const first = liveCli(
      shellArgs(`ln -s ${q(kube.dir)} .mcp.json && echo "PLAN""TED"; echo "SLEEP""ING"; sleep 600`),
      { cwd: repo },
    );
    await first.until('SLEEPING');
    // Killed: ccbox gets no chance to clean up the worktree. Its containers are removed by hand (not by
    // `ccbox gc`, which would finish the session and neutralise the link; the next test shows that).
    first.kill('SIGKILL');
    await first.done;
    const session = /"session":"([0-9a-f]+)"|session ([0-9a-f]{8})/.exec(first.output());
    const engine = await dockerEngine();
    const ids = await containerIds(engine, [`dev.ccbox.owner=${os.hostname()}:${first.pid}`]);
    expect(ids.length, `containers of the killed session ${session?.[1] ?? ''}`).toBeGreaterThan(0);
    for (const id of ids) await engine.getContainer(id).remove({ force: true });
    expect(
      isLink(path.join(repo, '.mcp.json')),
      `the plant is this test's precondition:\n${first.output()}`,
    ).toBe(true);
    const second = await shellSession(repo, READ_ALL, { watch: true });
    expectRefused(second, '.mcp.json', kube.secret);
    expect(tree(path.dirname(kube.dir))).toEqual(outsideBefore);
  });

  it('`ccbox gc` after a killed session lands its commit and neutralises the link it planted', async () => {
    const repo = makeRepo(OWNER);
    const kube = fakeKube();
    const first = liveCli(
      shellArgs(
        `echo x > x.txt && git add x.txt && git commit -qm "before the kill" && ln -s ${q(kube.dir)} .mcp.json && echo "SLEEP""ING"; sleep 600`,
      ),
      { cwd: repo },
    );
    await first.until('SLEEPING');
    first.kill('SIGKILL');
    await first.done;
    const gc = await runCli(['gc'], { cwd: repo });
    expect(gc.code, gc.stderr).toBe(0);
    expect(gc.stderr).toMatch(/git {2}1 commit landed on main/);
    expect(gc.stderr).toMatch(/leftover {2}\.mcp\.json \(symlink/);
    expect(present(path.join(repo, '.mcp.json'))).toBe(false);
    expect(
      execFileSync('git', ['-c', 'safe.directory=*', 'log', '--format=%s', '-1'], {
        cwd: repo,
        encoding: 'utf8',
      }).trim(),
    ).toBe('before the kill');
    const second = await shellSession(repo, READ_ALL);
    expect(second.run.code, second.text).toBe(0);
  });

  it('a symlink planted as .mcp.json in a session that ends normally is reported and removed; the next one starts', async () => {
    const repo = makeRepo(OWNER);
    const kube = fakeKube();
    const outsideBefore = tree(path.dirname(kube.dir));
    const first = await shellSession(repo, `ln -s ${q(kube.dir)} .mcp.json && echo "PLAN""TED"`);
    expect(first.run.code, first.text).toBe(0);
    expect(first.text).toContain('PLANTED');
    expect(first.out.leftovers?.map((l) => l.path)).toContain('.mcp.json');
    expect(present(path.join(repo, '.mcp.json'))).toBe(false);
    const second = await shellSession(repo, READ_ALL);
    expect(second.run.code, second.text).toBe(0);
    expect(second.text).toContain('STARTED');
    expect(second.text).not.toContain(kube.secret);
    expect(tree(path.dirname(kube.dir))).toEqual(outsideBefore);
  });
});
