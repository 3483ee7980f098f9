import type { Ulimit } from '../engine/engine.js';
import { git } from '../workspace/git.js';

/** The user's git identity from their global config (never the repository's, which the agent can write). */
export async function gitIdentity(repo: string): Promise<{ name: string; email: string }> {
  const [name, email] = await Promise.all([
    git(['config', '--global', 'user.name'], repo),
    git(['config', '--global', 'user.email'], repo),
  ]);
  const n = name.stdout.trim();
  const e = email.stdout.trim();
  // Without one, commits in the sandbox would fail; say plainly who made them.
  return n && e ? { name: n, email: e } : { name: 'ccbox agent', email: 'agent@ccbox.invalid' };
}

/** Podman on this kind of host refuses containers whose limits exceed the host's hard limits. */
export const PODMAN_ULIMITS: readonly Ulimit[] = [
  { name: 'nofile', soft: 20000, hard: 20000 },
  { name: 'nproc', soft: 32768, hard: 32768 },
];
