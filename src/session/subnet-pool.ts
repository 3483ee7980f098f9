import { CcboxError } from '../errors.js';
import { ExitCodes } from '../exit-codes.js';
import { parseCidr } from '../common/address.js';
import { classifyAddress } from '../common/ranges.js';

/**
 * Where session networks get their addresses: ccbox's own pool of small IPv4 subnets, so that a session
 * costs a /28 instead of one of the engine's /16 or /20 default pools (about 30 of them on Docker).
 */

/** An IPv4 range as unsigned 32-bit numbers, both ends included. */
export interface Ipv4Range {
  first: number;
  last: number;
}

/** The pool setting, parsed: the ranges subnets are cut from, and the prefix length of each subnet. */
export interface SubnetPool {
  ranges: readonly Ipv4Range[];
  /** Prefix length of one session's subnet, e.g. 28 (16 addresses: agent, gate, gateway and spares). */
  size: number;
  /** The setting as written, for messages. */
  text: string;
}

/** One session's subnet: what the engine is asked for. */
export interface SessionSubnet {
  subnet: string;
  gateway: string;
}

/**
 * Why 198.19.0.0/16: RFC 2544 benchmarking space is neither RFC 1918 (corporate VPNs, AWS/GCP/Azure VPCs and
 * Kubernetes pod and service ranges live in 10/8; Docker's pools in 172.17-31/16 and 192.168/16; home
 * routers in 192.168/16) nor CGNAT (100.64/10: Tailscale, carrier NAT), and is never routed on the
 * internet. Its lower half, 198.18.0.0/16, is the default fake-IP range of Clash/mihomo, so ccbox takes the
 * upper half. 4096 sessions of /28.
 */
export const DEFAULT_SUBNET_POOL = '198.19.0.0/16';
export const DEFAULT_SUBNET_SIZE = 28;
/** The environment variables that set the pool (read by src/cli/settings.ts, named in hints). */
export const SUBNET_POOL_ENV = 'CCBOX_SUBNET_POOL';
export const SUBNET_SIZE_ENV = 'CCBOX_SUBNET_SIZE';

// Why these bounds: a /29 leaves 5 addresses (agent, gate and three spares); wider than /24 wastes the pool.
const MIN_SIZE = 24;
const MAX_SIZE = 29;
// Why: a session network in these would shadow the host's own, the cloud metadata service or the
// internet itself for the gate (which sits on the session network too). Private, CGNAT and benchmarking
// space is the user's to choose.
const POOL_CATEGORIES = new Set(['private', 'cgnat', 'benchmarking']);

function invalid(message: string): CcboxError {
  return new CcboxError(message, {
    code: 'SUBNET_POOL_INVALID',
    exitCode: ExitCodes.invalidInput,
    hint: `Set ${SUBNET_POOL_ENV} to IPv4 ranges in private, CGNAT or benchmarking space (default ${DEFAULT_SUBNET_POOL}) and ${SUBNET_SIZE_ENV} to a prefix length from ${MIN_SIZE} to ${MAX_SIZE} (default ${DEFAULT_SUBNET_SIZE}).`,
  });
}

/** The number of an IPv4 address as dotted text (the caller has parsed it). */
export function ipv4Number(bytes: Uint8Array): number {
  return (((bytes[0] ?? 0) << 24) | ((bytes[1] ?? 0) << 16) | ((bytes[2] ?? 0) << 8) | (bytes[3] ?? 0)) >>> 0;
}

export function ipv4String(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** An IPv4 CIDR as a range; undefined for IPv6 or malformed text (engines list both). */
export function ipv4Range(cidr: string): Ipv4Range | undefined {
  const parsed = parseCidr(cidr.trim());
  if (parsed?.family !== 4) return undefined;
  const first = ipv4Number(parsed.bytes);
  const span = 2 ** (32 - parsed.prefix);
  return { first, last: first + span - 1 };
}

/**
 * Parses the pool setting: comma-separated IPv4 CIDRs and a subnet size. Why strict: a typo must not
 * silently fall back to a range that collides with the user's VPN.
 */
export function parseSubnetPool(poolText: string | undefined, sizeText: string | undefined): SubnetPool {
  const text = poolText?.trim() || DEFAULT_SUBNET_POOL;
  const sizeValue = sizeText?.trim() || String(DEFAULT_SUBNET_SIZE);
  if (!/^\d{1,2}$/.test(sizeValue) || Number(sizeValue) < MIN_SIZE || Number(sizeValue) > MAX_SIZE) {
    throw invalid(`${SUBNET_SIZE_ENV} is not a prefix length from ${MIN_SIZE} to ${MAX_SIZE}`);
  }
  const size = Number(sizeValue);
  const ranges: Ipv4Range[] = [];
  for (const part of text.split(',').map((p) => p.trim())) {
    const parsed = /^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/.test(part) ? parseCidr(part) : null;
    if (parsed?.family !== 4) throw invalid(`${SUBNET_POOL_ENV} has an entry that is not an IPv4 CIDR`);
    if (parsed.text !== part) {
      throw invalid(`${SUBNET_POOL_ENV} entry ${parsed.text} is written with host bits set (${part})`);
    }
    if (parsed.prefix > size) {
      throw invalid(`${SUBNET_POOL_ENV} entry ${part} is smaller than one /${size} subnet`);
    }
    const range = ipv4Range(part);
    if (!range) throw invalid(`${SUBNET_POOL_ENV} has an entry that is not an IPv4 CIDR`);
    // Both ends suffice: CIDRs nest, so one that spills out of an allowed range ends outside it.
    if (
      ![range.first, range.last].every((end) => POOL_CATEGORIES.has(classifyAddress(addressOf(end)).category))
    ) {
      throw invalid(`${SUBNET_POOL_ENV} entry ${part} is not in private, CGNAT or benchmarking space`);
    }
    if (ranges.some((r) => r.first <= range.last && range.first <= r.last)) {
      throw invalid(`${SUBNET_POOL_ENV} entries overlap (${part})`);
    }
    ranges.push(range);
  }
  return { ranges, size, text };
}

function addressOf(n: number): { family: 4; bytes: Uint8Array; text: string } {
  return {
    family: 4,
    bytes: Uint8Array.from([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]),
    text: ipv4String(n),
  };
}

/** How many subnets the pool holds. */
export function poolCapacity(pool: SubnetPool): number {
  const span = 2 ** (32 - pool.size);
  return pool.ranges.reduce((sum, r) => sum + (r.last - r.first + 1) / span, 0);
}

/**
 * The pool's free subnets, starting at the `start`-th (wrapping round) and skipping every subnet that
 * overlaps a `used` range. Why a random start (the caller's): concurrent ccbox processes then rarely pick
 * the same subnet, and the engine's overlap error (handled by the caller) settles the rest.
 */
export function* freeSubnets(
  pool: SubnetPool,
  used: readonly Ipv4Range[],
  start: number,
): Generator<SessionSubnet, void, undefined> {
  const span = 2 ** (32 - pool.size);
  const capacity = poolCapacity(pool);
  if (capacity === 0) return;
  const sorted = [...used].sort((a, b) => a.first - b.first);
  const first = ((Math.floor(start) % capacity) + capacity) % capacity;
  let index = first;
  for (let seen = 0; seen < capacity;) {
    const { base, range } = locate(pool, index, span);
    const clash = sorted.find((u) => u.first <= base + span - 1 && base <= u.last);
    if (!clash) {
      yield { subnet: `${ipv4String(base)}/${pool.size}`, gateway: ipv4String(base + 1) };
      index = (index + 1) % capacity;
      seen += 1;
      continue;
    }
    // Jump past the used range in one step (a /16 route covers 4096 subnets of /28), not past the pool range.
    const skip = Math.max(
      1,
      Math.min(Math.ceil((clash.last + 1 - base) / span), (range.last + 1 - base) / span),
    );
    seen += skip;
    index = (index + skip) % capacity;
  }
}

// The index-th subnet across the pool's ranges, in order, and the range it lies in.
function locate(pool: SubnetPool, index: number, span: number): { base: number; range: Ipv4Range } {
  let rest = index;
  for (const range of pool.ranges) {
    const count = (range.last - range.first + 1) / span;
    if (rest < count) return { base: range.first + rest * span, range };
    rest -= count;
  }
  throw new Error(`subnet index ${index} outside the pool`);
}
