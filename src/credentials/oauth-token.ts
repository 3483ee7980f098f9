import { CcboxError } from '../errors.js';
import { ExitCodes } from '../exit-codes.js';
import type { CredentialPlan } from '../policy/plan.js';
import { fromCommand, keyFrom, type ModelKeyContext } from './model-key.js';

/** The variable `claude setup-token` tells users to set, and Claude Code reads. */
export const OAUTH_TOKEN_ENV = 'CLAUDE_CODE_OAUTH_TOKEN';

/**
 * Subscription mode (credentials.model.source oauth-token, only in tiers that allow it): the user's own
 * Claude subscription token, read on the host at session start, for Claude Code inside the agent. Why
 * the agent and not the relay: Anthropic's terms allow the token for ordinary use of Claude Code and
 * forbid third-party tools presenting it on a user's behalf, so the gate only passes it on (once, to
 * the agent's entry point) and the relay forwards Claude Code's own Authorization untouched.
 * Undefined in every other mode, and for shell sessions (no Claude Code to hand it to).
 */
export async function resolveOAuthToken(
  plan: CredentialPlan,
  ctx: ModelKeyContext,
): Promise<string | undefined> {
  const m = plan.model;
  if (m.source !== 'oauth-token' || !ctx.required) return undefined;
  if (m.command !== undefined) return fromCommand(m.command, ctx, 'the subscription token command');
  const name = m.env ?? OAUTH_TOKEN_ENV;
  const value = ctx.hostEnv[name];
  // Refused before anything is created: Claude Code without it would stop at a login prompt.
  if (!value)
    throw new CcboxError(`${name} is not set, so Claude Code has no subscription token to log in with`, {
      code: 'MODEL_KEY_MISSING',
      exitCode: ExitCodes.invalidInput,
      hint: `run \`claude setup-token\` and export ${name}=… where you run ccbox, or use an API key (a profile whose credentials.model.source is env, file or command)`,
    });
  return keyFrom(value, `the variable ${name}`);
}

/** The warning every subscription-mode session shows (UI) and `ccbox doctor` repeats. */
export const OAUTH_MODE_WARNING =
  'subscription mode: your Claude subscription token is inside the agent for this session, where a hostile agent can read it (it lives a year); API keys, a company gateway, Bedrock or Vertex keep the credential out of the agent';
