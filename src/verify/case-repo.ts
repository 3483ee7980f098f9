import { createHash } from 'node:crypto';
import {
  chownSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { git } from '../workspace/git.js';
import type { Scenario } from './scenario.js';

/** The uid/gid a case repository gets when ccbox runs as root (the agent never runs as root). */
const CASE_OWNER = { uid: 1000, gid: 1000 };

/** A throwaway repository holding one scenario's files, committed, owned by a non-root user. */
export interface CaseRepo {
  dir: string;
  /** Content digests of the watched host paths (files or whole directories), for the after-check. */
  snapshot(): Map<string, string>;
  remove(): void;
}

function digestOf(p: string): string {
  const st = statSync(p, { throwIfNoEntry: false });
  if (!st) return 'absent';
  if (st.isDirectory())
    return createHash('sha256')
      .update(
        readdirSync(p)
          .sort()
          .map((n) => `${n}:${digestOf(path.join(p, n))}`)
          .join('\n'),
      )
      .digest('hex');
  return createHash('sha256').update(readFileSync(p)).digest('hex');
}

function writeFiles(dir: string, files: Readonly<Record<string, string>>, sink: string): void {
  for (const [rel, content] of Object.entries(files)) {
    const target = path.join(dir, rel);
    if (!target.startsWith(`${dir}${path.sep}`))
      throw new Error(`scenario file ${rel} leaves the repository`);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, content.replaceAll('{{sink}}', sink));
  }
}

function chownTree(p: string): void {
  chownSync(p, CASE_OWNER.uid, CASE_OWNER.gid);
  if (statSync(p).isDirectory()) for (const n of readdirSync(p)) chownTree(path.join(p, n));
}

/** Makes the case's repository ({{sink}} in a file becomes `sink`). Why its own temp dir: a scenario never touches a real repository. */
export async function makeCaseRepo(scenario: Scenario, sink: string): Promise<CaseRepo> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'ccbox-verify-'));
  const dir = path.join(root, 'repo');
  const files: Record<string, string> = { 'README.md': `# ${scenario.title}\n`, ...scenario.files };
  if (scenario.untrusted && (scenario.untrusted.via === 'readme' || scenario.untrusted.via === 'file')) {
    const where = scenario.untrusted.path ?? 'README.md';
    files[where] = `${files[where] ?? ''}\n${scenario.untrusted.text}\n`;
  }
  writeFiles(dir, files, sink);
  // Host git as ccbox always runs it (no hooks, no fsmonitor), with a HOME and no system config of its
  // own: the user's signing or template settings have no business in a throwaway repository.
  const run = async (...args: string[]): Promise<void> => {
    const r = await git(args, dir, { env: { HOME: root, GIT_CONFIG_NOSYSTEM: '1' }, timeoutMs: 30_000 });
    if (r.code !== 0) throw new Error(`git ${args[0]} failed in the case repository (exit ${r.code})`);
  };
  await run('init', '-q', '-b', 'main');
  await run('add', '-A', '-f');
  await run(
    '-c',
    'user.name=ccbox verify',
    '-c',
    'user.email=verify@ccbox.invalid',
    'commit',
    '-qm',
    'scenario',
  );
  // Planted after the commit: present in the worktree, absent from the history (as a gitignored .env is).
  writeFiles(dir, scenario.plant ?? {}, sink);
  if (process.getuid?.() === 0) chownTree(root);
  const watched = scenario.evidence.hostUnchanged ?? [];
  return {
    dir,
    snapshot: () => new Map(watched.map((rel) => [rel, digestOf(path.join(dir, rel))])),
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}
