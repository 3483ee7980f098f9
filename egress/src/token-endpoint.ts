import type { EventDecision } from '../../src/policy/egress/index.js';
import type { TokenService } from './tokens.js';

/** Where the agent's apiKeyHelper gets its tokens; never forwarded (not a Messages API path). */
export const TOKEN_PATH = '/ccbox/token';

export interface TokenAnswer {
  status: number;
  /** Lines: token, renewal secret (bootstrap only, else empty), expiry (ms since the epoch). */
  body: string;
  outcome: { decision: EventDecision; rule: string; reason: string };
}

/**
 * Answers the token endpoint. Plain lines, not JSON: the helper is a bash script with no JSON parser.
 * The event says what happened (minted, renewed, refused), never a value.
 */
export function tokenEndpoint(tokens: TokenService, authorization: string | undefined): TokenAnswer {
  const renewal = authorization?.startsWith('Bearer ') ? authorization.slice(7) : undefined;
  if (renewal === undefined) {
    const first = tokens.bootstrap();
    if (first === null)
      return {
        status: 401,
        body: 'the session token was already issued; renew with the renewal secret\n',
        outcome: {
          decision: 'deny',
          rule: 'deny:token-bootstrap',
          reason: 'a second bootstrap of the session token',
        },
      };
    return {
      status: 200,
      body: `${first.token}\n${first.renewal}\n${first.expiresAt}\n`,
      outcome: {
        decision: 'allow',
        rule: 'token:mint',
        reason: `session token minted, expires ${new Date(first.expiresAt).toISOString()}`,
      },
    };
  }
  const next = tokens.renew(renewal);
  if (next === null)
    return {
      status: 401,
      body: 'not this session’s renewal secret\n',
      outcome: { decision: 'deny', rule: 'deny:token-renewal', reason: 'a renewal with a wrong secret' },
    };
  return {
    status: 200,
    body: `${next.token}\n\n${next.expiresAt}\n`,
    outcome: {
      decision: 'allow',
      rule: 'token:renew',
      reason: `session token renewed, expires ${new Date(next.expiresAt).toISOString()}`,
    },
  };
}
