import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A fresh directory under the system temp dir, as a real path. */
export function tmp(prefix = 'ccbox-ws-'): string {
  return realpathSync(mkdtempSync(path.join(os.tmpdir(), prefix)));
}

/** Writes files (creating their folders) below `root`. */
export function write(root: string, files: Record<string, string>): void {
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), content);
  }
}

const ID = ['-c', 'user.name=t', '-c', 'user.email=t@example.invalid', '-c', 'init.defaultBranch=main'];

/** git as the test user, in `cwd`, with a fixed identity; returns stdout. */
export function g(cwd: string, ...args: string[]): string {
  return execFileSync('git', [...ID, '-c', 'safe.directory=*', ...args], {
    cwd,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: os.tmpdir(), GIT_CONFIG_NOSYSTEM: '1' },
  });
}

/** A repository with one commit on main. */
export function repo(files: Record<string, string> = { 'README.md': '# r\n' }): string {
  const dir = path.join(tmp('ccbox-repo-'), 'repo');
  mkdirSync(dir);
  g(dir, 'init', '-q', '-b', 'main');
  write(dir, files);
  g(dir, 'add', '-A');
  g(dir, 'commit', '-qm', 'init');
  return dir;
}

export const me = { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };
