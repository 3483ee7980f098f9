import type { Ulimit } from '../engine/engine.js';
import type { SessionPlan } from '../policy/plan.js';
import { git } from '../workspace/git.js';
import type { SessionRequest } from './session-types.js';
import { CcboxError } from '../errors.js';
import { ExitCodes } from '../exit-codes.js';

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

/** The model key from the host environment, per the plan; it goes to the gate only. */
export function modelKey(
  plan: SessionPlan,
  hostEnv: Readonly<Record<string, string | undefined>>,
): string | undefined {
  const m = plan.credentials.model;
  return m.source === 'env' && m.env !== undefined ? hostEnv[m.env] || undefined : undefined;
}

/**
 * Claude Code without a model key would start and then fail at its first request with an
 * authentication error from the model endpoint; say so before anything is created instead.
 */
export function requireModelKey(req: Pick<SessionRequest, 'role' | 'hostEnv'>, plan: SessionPlan): void {
  const m = plan.credentials.model;
  if (req.role !== 'agent' || m.source !== 'env' || modelKey(plan, req.hostEnv) !== undefined) return;
  const name = m.env ?? 'ANTHROPIC_API_KEY';
  throw new CcboxError(`${name} is not set, so the gate has no model key to add for Claude Code`, {
    code: 'MODEL_KEY_MISSING',
    exitCode: ExitCodes.invalidInput,
    hint: `export ${name}=… where you run ccbox (it goes to the gate only, never into the agent), or use a profile whose credentials.model.source is none`,
  });
}

/** Podman on this kind of host refuses containers whose limits exceed the host's hard limits. */
export const PODMAN_ULIMITS: readonly Ulimit[] = [
  { name: 'nofile', soft: 20000, hard: 20000 },
  { name: 'nproc', soft: 32768, hard: 32768 },
];
