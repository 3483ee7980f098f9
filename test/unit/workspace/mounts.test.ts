import { existsSync, mkdirSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { planWorktreeMounts, removePlaceholders } from '../../../src/workspace/mounts.js';
import { scanWorktree } from '../../../src/workspace/scan.js';
import { ALWAYS_READ_ONLY } from '../../../src/policy/control-paths.js';
import { tmp, write } from './fixtures.js';

const sources = { emptyDir: '/var/empty-ccbox', emptyFile: '/dev/null' };
const plan = (readOnly: string[] = [], masked: string[] = []) => ({
  readOnlyPaths: [...ALWAYS_READ_ONLY, ...readOnly],
  maskedPaths: masked,
});
const planFor = (root: string, p = plan(), hooksPathInside?: string) =>
  planWorktreeMounts(root, p, sources, scanWorktree(root), { hooksPathInside });
const targets = (m: ReturnType<typeof planFor>) =>
  m.mounts.map((x) => `${x.readOnly ? 'ro' : 'rw'} ${x.target}`);

describe('planWorktreeMounts', () => {
  it('pins every ancestor of a read-only path as a mount point of its own, parents first', () => {
    const root = tmp();
    write(root, { 'infra/prod/main.tf': 'x', '.github/workflows/ci.yml': 'on: push' });
    const m = planFor(root, plan(['infra/prod/main.tf']));
    const t = targets(m);
    expect(t).toContain('rw /workspace/infra');
    expect(t).toContain('rw /workspace/infra/prod');
    expect(t).toContain('ro /workspace/infra/prod/main.tf');
    expect(t).toContain('rw /workspace/.github');
    expect(t).toContain('ro /workspace/.github/workflows');
    expect(t.indexOf('rw /workspace/infra')).toBeLessThan(t.indexOf('ro /workspace/infra/prod/main.tf'));
    // Every source of a worktree mount is the same path in the worktree.
    for (const x of m.mounts.filter((x) => x.source.startsWith(root)))
      expect(x.target).toBe(`/workspace/${path.relative(root, x.source)}`);
  });

  it('makes empty stand-ins for missing control folders and removes them again; missing control files are watched', () => {
    const root = tmp();
    const m = planFor(root);
    expect(existsSync(path.join(root, '.github/workflows'))).toBe(true);
    expect(existsSync(path.join(root, '.vscode'))).toBe(true);
    expect(m.missingControlFiles).toEqual(
      expect.arrayContaining(['.mcp.json', '.envrc', '.pre-commit-config.yaml']),
    );
    removePlaceholders(m.placeholders);
    for (const p of ['.github', '.vscode', '.claude', '.husky', '.devcontainer'])
      expect(existsSync(path.join(root, p)), p).toBe(false);
  });

  it.each(['.claude', '.github', '.vscode', '.mcp.json'])(
    'refuses (exit 2) when %s is a link, naming it',
    (name) => {
      const root = tmp();
      const outside = tmp('ccbox-outside-');
      symlinkSync(outside, path.join(root, name));
      let err: unknown;
      try {
        planFor(root);
      } catch (e) {
        err = e;
      }
      expect(err).toMatchObject({ exitCode: 2, code: 'WORKTREE_SYMLINK' });
      expect((err as Error).message).toContain(name);
      // Nothing was created through the link.
      expect(existsSync(path.join(outside, 'workflows'))).toBe(false);
    },
  );

  it('refuses a nested .git that is a link, and protects nested git files and dirs with their ancestors', () => {
    const root = tmp();
    write(root, {
      'lib/sub/.git': 'gitdir: ../../.git/modules/lib/sub\n',
      'vendor/x/.git/config': '[core]\n',
    });
    const m = planFor(root);
    const t = targets(m);
    expect(t).toEqual(
      expect.arrayContaining(['rw /workspace/lib', 'rw /workspace/lib/sub', 'ro /workspace/lib/sub/.git']),
    );
    expect(t).toContain('ro /workspace/vendor/x/.git');
    const bad = tmp();
    mkdirSync(path.join(bad, 'sub'));
    symlinkSync('/etc', path.join(bad, 'sub/.git'));
    expect(() => planFor(bad)).toThrow(/sub\/\.git is a symbolic link/);
  });

  it('protects the folder core.hooksPath names, with a stand-in when it is missing', () => {
    const root = tmp();
    const m = planFor(root, plan(), 'tools/hooks');
    expect(targets(m)).toEqual(expect.arrayContaining(['rw /workspace/tools', 'ro /workspace/tools/hooks']));
    removePlaceholders(m.placeholders);
    expect(existsSync(path.join(root, 'tools'))).toBe(false);
  });

  it('masks secrets (a link to a secret masks its target) and never plans a mount inside .git', () => {
    const root = tmp();
    write(root, { '.env': 'A=1', 'config/real.env': 'B=2', 'secrets/k': 'x' });
    symlinkSync('config/real.env', path.join(root, 'link.env'));
    symlinkSync('/etc/passwd', path.join(root, 'out.env'));
    const m = planFor(
      root,
      plan(['.git/hooks', '.git/config'], ['.env', '*.env', 'config/*.env', 'secrets/**']),
    );
    expect(m.masked).toEqual(['.env', 'config/real.env', 'secrets']);
    expect(m.warnings.join('\n')).toMatch(/out\.env is a link out of the worktree/);
    expect(
      m.mounts.some((x) => x.target === '/workspace/.git' || x.target.startsWith('/workspace/.git/')),
    ).toBe(false);
    expect(m.mounts.find((x) => x.target === '/workspace/secrets')?.source).toBe(sources.emptyDir);
    expect(m.mounts.find((x) => x.target === '/workspace/.env')?.source).toBe('/dev/null');
  });

  it('a profile path with a link in its middle selects nothing (never a mount source outside)', () => {
    const root = tmp();
    const outside = tmp('ccbox-outside-');
    write(outside, { 'main.tf': 'x' });
    symlinkSync(outside, path.join(root, 'infra'));
    const m = planFor(root, plan(['infra/main.tf', 'infra/**']));
    expect(m.mounts.some((x) => x.source.startsWith(outside))).toBe(false);
    expect(m.mounts.some((x) => x.target.startsWith('/workspace/infra'))).toBe(false);
  });
});

describe('scanWorktree', () => {
  it('fails closed (exit 2) past its limit and names the glob patterns that need the whole tree', () => {
    const root = tmp();
    write(root, Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`d/f${i}`, 'x'])));
    let err: { exitCode?: number; code?: string; hint?: string } = {};
    try {
      scanWorktree(root, 10, ['**/.env', '.env']);
    } catch (e) {
      err = e as typeof err;
    }
    expect(err).toMatchObject({ exitCode: 2, code: 'WORKTREE_TOO_LARGE' });
    expect(err.hint).toContain('"**/.env"');
  });

  it('records nested .git entries and links everywhere, and globs only outside node_modules', () => {
    const root = tmp();
    write(root, { 'node_modules/p/.env': 'x', 'node_modules/p/.git': 'gitdir: x', 'a/.env': 'y' });
    symlinkSync('/etc', path.join(root, 'node_modules/p/l'));
    const s = scanWorktree(root);
    expect(s.entries.map((e) => e.rel)).toContain('a/.env');
    expect(s.entries.map((e) => e.rel)).not.toContain('node_modules/p/.env');
    expect([...s.gits.keys()]).toEqual(['node_modules/p/.git']);
    expect(s.links.get('node_modules/p/l')).toBe('/etc');
  });
});
