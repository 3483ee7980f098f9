import type { TokenService } from '../../../egress/src/tokens.js';

/** A token service that accepts one fixed token and mints none: for relay tests about other things. */
export const fixedTokens = (token: string): TokenService => ({
  bootstrap: () => null,
  renew: () => null,
  accepts: (t) => t === token,
});
