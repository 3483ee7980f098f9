import {
  copyFileSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { kindOf } from './paths.js';
import { renderConfig } from './session-git.js';
import { chownTree, mustChown, type Owner } from './owner.js';

const HEX = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;
const MAX_REFS = 10_000;
const MAX_DEPTH = 16;

/** What the agent left in its git dir, read as data: its HEAD and its branches. */
export interface ImportView {
  dir: string;
  /** `ref: refs/heads/x`, a commit id, or undefined when HEAD is not something ccbox reads. */
  head: { ref: string } | { sha: string } | undefined;
}

/**
 * Removes what git would follow out of the session's object store or trust without checking
 * (alternates naming other directories, commit-graphs and multi-pack indexes that could lie about
 * history). Returns false when the store itself is not a plain directory (the agent replaced it).
 * Why it is safe to touch: it runs after the agent's container is gone, and never through a link.
 */
export function sanitizeObjects(sessionGitDir: string): boolean {
  const objects = path.join(sessionGitDir, 'objects');
  if (kindOf(sessionGitDir) !== 'dir' || kindOf(objects) !== 'dir') return false;
  for (const sub of ['info', 'pack']) {
    const k = kindOf(path.join(objects, sub));
    if (k === 'missing') continue;
    if (k !== 'dir') return false;
  }
  for (const name of ['alternates', 'http-alternates', 'commit-graph', 'commit-graphs', 'packs'])
    rmSync(path.join(objects, 'info', name), { recursive: true, force: true });
  for (const name of safeList(path.join(objects, 'pack')))
    if (name.startsWith('multi-pack-index')) rmSync(path.join(objects, 'pack', name), { force: true });
  // Loose objects and packs are plain files in plain folders; a link or a FIFO among them would make
  // host git read (or block on) something outside the store.
  const prune = (dir: string, depth: number): void => {
    for (const name of safeList(dir)) {
      const p = path.join(dir, name);
      const k = kindOf(p);
      if (k === 'dir' && depth < 2) prune(p, depth + 1);
      else if (k !== 'file') rmSync(p, { recursive: true, force: true });
    }
  };
  prune(objects, 0);
  return true;
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function smallFile(abs: string, max: number): string | undefined {
  try {
    const st = lstatSync(abs);
    if (!st.isFile() || st.size > max) return undefined;
    return readFileSync(abs, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * Did the agent leave HEAD and every branch as ccbox wrote them? Why: the common case (no commit) then
 * needs no git run at all on the way out. Anything unexpected (a link, an odd file) says no.
 */
export function refsUntouched(sessionGitDir: string, head: string, packed: string): boolean {
  if (smallFile(path.join(sessionGitDir, 'HEAD'), 512) !== head) return false;
  if (smallFile(path.join(sessionGitDir, 'packed-refs'), packed.length + 1) !== packed) return false;
  const empty = (dir: string, depth: number): boolean =>
    kindOf(dir) === 'dir' &&
    depth < MAX_DEPTH &&
    safeList(dir).every((n) => kindOf(path.join(dir, n)) === 'dir' && empty(path.join(dir, n), depth + 1));
  return empty(path.join(sessionGitDir, 'refs/heads'), 0);
}

/** Copies refs/heads/** as plain small files only (no links, FIFOs or huge files), bounded. */
function copyBranches(from: string, to: string): void {
  let count = 0;
  const visit = (rel: string, depth: number): void => {
    if (depth > MAX_DEPTH) return;
    for (const e of safeList(path.join(from, rel))) {
      const r = rel === '' ? e : `${rel}/${e}`;
      const k = kindOf(path.join(from, r));
      if (k === 'dir') visit(r, depth + 1);
      else if (k === 'file' && ++count <= MAX_REFS) {
        const text = smallFile(path.join(from, r), 256)?.trim();
        if (text !== undefined && HEX.test(text)) {
          mkdirSync(path.dirname(path.join(to, r)), { recursive: true });
          writeFileSync(path.join(to, r), `${text}\n`);
        }
      }
    }
  };
  if (kindOf(from) === 'dir') visit('', 0);
}

/**
 * A git directory ccbox makes to read the agent's work: the agent's HEAD and branches (validated copies),
 * ccbox's own config, and objects from the session's store and the host's. Why not read the session dir
 * itself: its config, hooks, refs backend and alternates are the agent's to choose; here none of them
 * is, and git is only ever pointed at this directory.
 */
export function makeImportView(
  sessionGitDir: string,
  workDir: string,
  hostObjectDirs: readonly string[],
  objectFormat: string | undefined,
  owner: Owner,
): ImportView {
  mkdirSync(workDir, { recursive: true });
  const dir = mkdtempSync(path.join(workDir, 'import-'));
  mkdirSync(path.join(dir, 'objects/info'), { recursive: true });
  mkdirSync(path.join(dir, 'refs/heads'), { recursive: true });
  const config: Array<[string, string]> = [
    ['core.repositoryformatversion', objectFormat === 'sha256' ? '1' : '0'],
    ['core.bare', 'true'],
    ['core.commitgraph', 'false'],
    ['core.multipackindex', 'false'],
    ...(objectFormat ? ([['extensions.objectformat', objectFormat]] as Array<[string, string]>) : []),
  ];
  writeFileSync(path.join(dir, 'config'), renderConfig(config));
  writeFileSync(
    path.join(dir, 'objects/info/alternates'),
    [path.join(sessionGitDir, 'objects'), ...hostObjectDirs].map((d) => `${d}\n`).join(''),
  );
  copyBranches(path.join(sessionGitDir, 'refs/heads'), path.join(dir, 'refs/heads'));
  const packed = path.join(sessionGitDir, 'packed-refs');
  if (smallFile(packed, 64 * 1024 * 1024) !== undefined) copyFileSync(packed, path.join(dir, 'packed-refs'));
  const headText = smallFile(path.join(sessionGitDir, 'HEAD'), 512)?.trim() ?? '';
  const ref = /^ref: (refs\/heads\/[^\s]+)$/.exec(headText)?.[1];
  const head = ref ? { ref } : HEX.test(headText) ? { sha: headText } : undefined;
  writeFileSync(path.join(dir, 'HEAD'), 'ref: refs/heads/ccbox-none\n');
  if (mustChown(owner)) chownTree(dir, owner);
  return { dir, head };
}

/** Adds a ref ccbox chose (a validated commit id) to the view, for git to fetch. */
export function addViewRef(view: ImportView, name: string, sha: string, owner: Owner): void {
  const file = path.join(view.dir, 'refs/ccbox', name);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${sha}\n`);
  if (mustChown(owner)) chownTree(path.join(view.dir, 'refs/ccbox'), owner);
}

export const isCommitId = (s: string): boolean => HEX.test(s);
