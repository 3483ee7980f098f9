import { crypto } from './builtins.js';

/**
 * The agent's model credential: short-lived session tokens minted by this gate alone. Why minted here
 * (not by the host): the signing secret never leaves the gate's memory, so a token is worth nothing at
 * any other gate, and every token dies with the session (the gate and its secret go away) or at its
 * expiry, whichever comes first.
 *
 * The agent's apiKeyHelper (images/agent/ccbox-model-token) holds a renewal secret it got once, at the
 * session's first call, and trades it for a fresh token whenever Claude Code re-runs the helper. Why a
 * renewal secret and not "renew with the current token": an idle session outlives its token, and the
 * helper must still get a new one; the renewal secret opens only this gate's token endpoint, which only
 * the session's internal network reaches.
 */
export interface TokenService {
  /** The first call of the session: the renewal secret and a token. Null after the first time. */
  bootstrap(): { renewal: string; token: string; expiresAt: number } | null;
  /** A fresh token for a valid renewal secret; null otherwise. */
  renew(renewal: string): { token: string; expiresAt: number } | null;
  /** Whether a presented token is one of this gate's, unexpired. */
  accepts(token: string): boolean;
}

const b64 = (b: Buffer): string => b.toString('base64url');

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

/** Tokens are `ccbox-<session>-<expiry s>-<hmac>`: checked without state, so none is kept per token. */
export function tokenService(
  session: string,
  ttlSeconds: number,
  now: () => number = Date.now,
): TokenService {
  const secret = crypto.randomBytes(32);
  const renewalSecret = b64(crypto.randomBytes(32));
  let bootstrapped = false;
  const sign = (exp: number): string =>
    crypto.createHmac('sha256', secret).update(`${session}.${exp}`).digest('hex');
  const mint = (): { token: string; expiresAt: number } => {
    const exp = Math.floor(now() / 1000) + ttlSeconds;
    return { token: `ccbox-${session}-${exp}-${sign(exp)}`, expiresAt: exp * 1000 };
  };
  return {
    bootstrap() {
      // Why once: after it, only the holder of the renewal secret (the session's own helper) gets tokens.
      if (bootstrapped) return null;
      bootstrapped = true;
      return { renewal: renewalSecret, ...mint() };
    },
    renew: (renewal) => (same(renewal, renewalSecret) ? mint() : null),
    accepts(token) {
      const prefix = `ccbox-${session}-`;
      if (!token.startsWith(prefix)) return false;
      const [expText, mac] = token.slice(prefix.length).split('-');
      if (expText === undefined || mac === undefined || !/^\d{1,12}$/.test(expText)) return false;
      const exp = Number(expText);
      return exp * 1000 > now() && same(mac, sign(exp));
    },
  };
}
