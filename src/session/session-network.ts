import type { Engine, NetworkRef, NetworkSpec } from '../engine/engine.js';
import { CcboxError, isCcboxError } from '../errors.js';
import { ExitCodes } from '../exit-codes.js';
import { readHostRoutes } from '../host/routes.js';
import {
  freeSubnets,
  ipv4Range,
  parseSubnetPool,
  poolCapacity,
  SUBNET_POOL_ENV,
  SUBNET_SIZE_ENV,
  type Ipv4Range,
  type SubnetPool,
} from './subnet-pool.js';

/** What the allocator reads besides the engine; tests give their own. */
export interface SubnetSources {
  /** The host's routes as CIDRs (default: /proc/net/route). */
  hostRoutes?: () => Promise<readonly string[]>;
  /** A number in [0, 1) that picks where in the pool the search starts (default Math.random). */
  random?: () => number;
}

// Why a bound: each refusal is one engine round trip; past this many, other ccbox processes are racing for
// a nearly full pool and a clear error is better than a long stall.
const MAX_ENGINE_TRIES = 16;

/**
 * Creates the session's internal network on a free subnet of ccbox's pool. Free means: no engine network
 * and no host route overlaps it. Why retry on NETWORK_SUBNET_TAKEN: another ccbox may take the same subnet
 * between the listing and the create; the engine refuses the second, which then moves on.
 */
export async function createSessionNetwork(
  engine: Pick<Engine, 'createNetwork' | 'listNetworkSubnets'>,
  poolSetting: SubnetPool | undefined,
  spec: Omit<NetworkSpec, 'ipv4'>,
  sources: SubnetSources = {},
): Promise<NetworkRef> {
  const pool = poolSetting ?? parseSubnetPool(undefined, undefined);
  const [subnets, routes] = await Promise.all([
    engine.listNetworkSubnets(),
    (sources.hostRoutes ?? readHostRoutes)(),
  ]);
  const used: Ipv4Range[] = [...subnets, ...routes].flatMap((cidr) => ipv4Range(cidr) ?? []);
  const capacity = poolCapacity(pool);
  const start = Math.floor((sources.random ?? Math.random)() * capacity);
  let tries = 0;
  let lastRefusal: CcboxError | undefined;
  for (const candidate of freeSubnets(pool, used, start)) {
    try {
      return await engine.createNetwork({ ...spec, ipv4: candidate });
    } catch (err) {
      if (!isCcboxError(err) || err.code !== 'NETWORK_SUBNET_TAKEN') throw err;
      lastRefusal = err;
      tries += 1;
      if (tries >= MAX_ENGINE_TRIES) break;
    }
  }
  throw new CcboxError(
    lastRefusal
      ? `No free session subnet in ${pool.text}: the engine refused ${tries} in a row (${lastRefusal.message})`
      : `No free session subnet in ${pool.text}: all ${capacity} /${pool.size} subnets overlap an engine network or a host route`,
    {
      code: 'SUBNET_POOL_EXHAUSTED',
      exitCode: ExitCodes.sandboxFailed,
      hint: `Remove leftover sessions with \`ccbox gc\`, or give ccbox a larger or another range with ${SUBNET_POOL_ENV} (e.g. 198.19.0.0/16,10.213.0.0/16) or smaller subnets with ${SUBNET_SIZE_ENV}=29.`,
      ...(lastRefusal ? { cause: lastRefusal } : {}),
    },
  );
}
