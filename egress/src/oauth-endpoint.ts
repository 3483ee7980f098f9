import { crypto } from './builtins.js';
import type { TokenAnswer } from './token-endpoint.js';

/** Where the agent's entry point fetches Claude Code's subscription token, once per session. */
export const OAUTH_TOKEN_PATH = '/ccbox/oauth-token';

/**
 * Subscription mode (a tier that allows credentials.model.source oauth-token): the gate holds the user's
 * own `CLAUDE_CODE_OAUTH_TOKEN` only to pass it on. Why through the gate: the host hands it over on the
 * gate's exec stdin (never in a container's config or `docker inspect`), and the agent's entry point
 * takes it from here into Claude Code's environment alone. Why never the relay presenting it:
 * Anthropic's terms forbid third-party tools sending subscription credentials on a user's behalf, so
 * the relay forwards Claude Code's own Authorization header untouched, and only that one.
 */
export interface SubscriptionPass {
  /** The token on the first call of the session, then a refusal (a second reader is not the entry). */
  handOut(): TokenAnswer;
  /** Whether a request carries this session's token, as Claude Code sends it (`Authorization: Bearer`). */
  accepts(authorization: string | undefined): boolean;
}

/** The subscription pass for one session's token. */
export function subscriptionPass(token: string): SubscriptionPass {
  const expected = Buffer.from(`Bearer ${token}`);
  let handedOut = false;
  return {
    handOut() {
      if (handedOut)
        return {
          status: 401,
          body: 'the subscription token was already handed to Claude Code\n',
          outcome: {
            decision: 'deny',
            rule: 'deny:oauth-handout',
            reason: 'a second request for the subscription token',
          },
        };
      handedOut = true;
      return {
        status: 200,
        body: `${token}\n`,
        outcome: {
          decision: 'allow',
          rule: 'oauth:handout',
          reason: "the subscription token handed to Claude Code's entry point",
        },
      };
    },
    accepts(authorization) {
      const got = Buffer.from(authorization ?? '');
      return got.length === expected.length && crypto.timingSafeEqual(got, expected);
    },
  };
}
