import path from 'node:path';
import type { CliContext } from './context.js';

/**
 * ccbox's own settings from the environment, read in one place. Flags win over these; these win over
 * the profile where both can say the same thing (base image, CA).
 */
export interface CcboxSettings {
  engineHost: string | undefined;
  baseImage: string | undefined;
  extraCaCerts: string | undefined;
  cacheDir: string;
  registry: string;
  debianMirror: string | undefined;
  /** Where sessions keep their audit logs (XDG state). */
  stateDir: string;
  /** The network the gate reaches the world through (tests give it an internal one). */
  gateNetwork: string | undefined;
  /** The model endpoint the gate relays to. */
  modelUpstream: string;
  /** Session subnets: the pool (CIDRs) and the prefix length of each; parsed by parseSubnetPool. */
  subnetPool: string | undefined;
  subnetSize: string | undefined;
  /** A shorter lifetime for the agent's model tokens than the tier's (CCBOX_TOKEN_TTL_SECONDS). */
  tokenTtlSeconds: number | undefined;
}

function positiveInt(text: string | undefined): number | undefined {
  const n = Number(text);
  return text && Number.isInteger(n) && n > 0 ? n : undefined;
}

export function readSettings(ctx: CliContext): CcboxSettings {
  const env = ctx.env;
  const xdg = env.XDG_CACHE_HOME;
  return {
    engineHost: env.DOCKER_HOST || undefined,
    baseImage: env.CCBOX_BASE_IMAGE || undefined,
    extraCaCerts: env.CCBOX_EXTRA_CA_CERTS || undefined,
    cacheDir: env.CCBOX_CACHE_DIR || path.join(xdg || path.join(ctx.home, '.cache'), 'ccbox'),
    registry: (env.CCBOX_NPM_REGISTRY || env.npm_config_registry || 'https://registry.npmjs.org').replace(
      /\/+$/,
      '',
    ),
    debianMirror: env.CCBOX_DEBIAN_MIRROR || undefined,
    stateDir:
      env.CCBOX_STATE_DIR || path.join(env.XDG_STATE_HOME || path.join(ctx.home, '.local', 'state'), 'ccbox'),
    gateNetwork: env.CCBOX_GATE_NETWORK || undefined,
    subnetPool: env.CCBOX_SUBNET_POOL || undefined,
    subnetSize: env.CCBOX_SUBNET_SIZE || undefined,
    // As Claude Code reads it: a company gateway (or a stand-in in tests) can sit behind the relay.
    modelUpstream: env.CCBOX_MODEL_UPSTREAM || env.ANTHROPIC_BASE_URL || 'https://api.anthropic.com',
    tokenTtlSeconds: positiveInt(env.CCBOX_TOKEN_TTL_SECONDS),
  };
}
