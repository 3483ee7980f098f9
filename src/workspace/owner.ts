import { chownSync, lchownSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';

/** A user and group, as the agent runs and as host files must belong. */
export interface Owner {
  uid: number;
  gid: number;
}

/** Why: when ccbox runs as root (a CI runner), what it makes for the agent must still be the user's. */
export const mustChown = (owner: Owner): boolean => process.getuid?.() === 0 && owner.uid !== 0;

/** chown -R without following links. */
export function chownTree(dir: string, owner: Owner): void {
  lchownSync(dir, owner.uid, owner.gid);
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) chownTree(p, owner);
    else lchownSync(p, owner.uid, owner.gid);
  }
}

/** mkdir -p whose new directories belong to `owner`. */
export function mkdirOwned(dir: string, owner: Owner): void {
  const first = mkdirSync(dir, { recursive: true });
  if (first === undefined || !mustChown(owner)) return;
  for (let d = dir; d.length >= first.length; d = path.dirname(d)) chownSync(d, owner.uid, owner.gid);
}
