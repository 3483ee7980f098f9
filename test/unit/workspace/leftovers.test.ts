import { existsSync, lstatSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { hashControl, neutraliseLeftovers, type StartSnapshot } from '../../../src/workspace/leftovers.js';
import { scanWorktree } from '../../../src/workspace/scan.js';
import { tmp, write } from './fixtures.js';

function snapshot(root: string, control: string[] = [], missing: string[] = []): StartSnapshot {
  const scan = scanWorktree(root);
  return {
    gits: scan.gits,
    links: scan.links,
    missingControlFiles: missing,
    controlHashes: hashControl(root, control, scan.gits),
  };
}

describe('neutraliseLeftovers', () => {
  it('renames new .git entries below the top, removes links out, keeps links inside and what was there before', () => {
    const root = tmp();
    write(root, { 'old/.git': 'gitdir: x\n', 'README.md': 'r' });
    symlinkSync('/usr/bin', path.join(root, 'old-link'));
    const start = snapshot(root);
    write(root, { 'sub/.git/config': '[core]\n\tfsmonitor = evil\n', 'lib2/.git': 'gitdir: /x\n' });
    symlinkSync('/etc', path.join(root, 'out'));
    mkdirSync(path.join(root, 'deep/a'), { recursive: true });
    symlinkSync('../../..', path.join(root, 'deep/a/up'));
    symlinkSync('README.md', path.join(root, 'in'));
    symlinkSync('/root/.ssh', path.join(root, 'deep/.git'));
    const q = tmp('ccbox-q-');
    const r = neutraliseLeftovers(root, start, 's1', q);
    const byPath = Object.fromEntries(r.leftovers.map((l) => [l.path, l]));
    expect(Object.keys(byPath).sort()).toEqual(['deep/.git', 'deep/a/up', 'lib2/.git', 'out', 'sub/.git']);
    expect(byPath['sub/.git']).toMatchObject({
      kind: 'git-dir',
      action: 'renamed to sub/.git.ccbox-inert-s1',
    });
    expect(byPath['lib2/.git']).toMatchObject({ kind: 'git-file' });
    expect(byPath.out).toMatchObject({ kind: 'symlink', target: '/etc', action: 'removed' });
    expect(existsSync(path.join(root, 'sub/.git'))).toBe(false);
    expect(readFileSync(path.join(root, 'sub/.git.ccbox-inert-s1/config'), 'utf8')).toContain('fsmonitor');
    expect(existsSync(path.join(root, 'lib2/.git'))).toBe(false);
    for (const gone of ['out', 'deep/a/up', 'deep/.git'])
      expect(existsSync(path.join(root, gone)), gone).toBe(false);
    expect(lstatSync(path.join(root, 'in')).isSymbolicLink()).toBe(true);
    expect(lstatSync(path.join(root, 'old-link')).isSymbolicLink()).toBe(true);
    expect(existsSync(path.join(root, 'old/.git'))).toBe(true);
  });

  it('moves a control file that appeared during the session to the quarantine folder', () => {
    const root = tmp();
    const start = snapshot(root, [], ['.mcp.json', '.envrc']);
    write(root, { '.mcp.json': '{"mcpServers":{}}' });
    symlinkSync('/root/.kube/config', path.join(root, '.envrc'));
    const q = tmp('ccbox-q-');
    const r = neutraliseLeftovers(root, start, 's1', q);
    expect(r.leftovers).toEqual(
      expect.arrayContaining([
        { path: '.mcp.json', kind: 'control-file', action: `moved to ${q}/.mcp.json` },
        expect.objectContaining({ path: '.envrc', kind: 'symlink', action: 'removed' }),
      ]),
    );
    expect(existsSync(path.join(root, '.mcp.json'))).toBe(false);
    expect(readFileSync(path.join(q, '.mcp.json'), 'utf8')).toContain('mcpServers');
  });

  it('reports a control path whose content changed', () => {
    const root = tmp();
    write(root, { '.vscode/settings.json': '{}', '.husky/pre-commit': 'npm test' });
    const start = snapshot(root, ['.vscode', '.husky']);
    writeFileSync(path.join(root, '.vscode/settings.json'), '{"x":1}');
    expect(neutraliseLeftovers(root, start, 's1', tmp()).controlChanges).toEqual(['.vscode']);
  });
});
