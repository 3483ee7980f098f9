import { describe, expect, it } from 'vitest';
import { CcboxError } from '../../../src/errors.js';
import type { NetworkRef, NetworkSpec } from '../../../src/engine/engine.js';
import { createSessionNetwork } from '../../../src/session/session-network.js';
import {
  DEFAULT_SUBNET_POOL,
  freeSubnets,
  ipv4Range,
  parseSubnetPool,
  poolCapacity,
} from '../../../src/session/subnet-pool.js';

const SPEC = { name: 'ccbox-s1-int', internal: true, labels: { 'dev.ccbox.session': 's1' } };

/** An engine that holds networks by subnet and refuses an overlapping one as Docker and Podman do. */
function fakeEngine(existing: string[] = [], opts: { raceWith?: string[] } = {}) {
  const subnets = [...existing];
  const race = [...(opts.raceWith ?? [])];
  const created: NetworkSpec[] = [];
  const overlaps = (a: string, b: string): boolean => {
    const x = ipv4Range(a);
    const y = ipv4Range(b);
    return x !== undefined && y !== undefined && x.first <= y.last && y.first <= x.last;
  };
  return {
    created,
    listNetworkSubnets: () => Promise.resolve([...subnets]),
    createNetwork: (spec: NetworkSpec): Promise<NetworkRef> => {
      // Another ccbox took a subnet between our listing and our create.
      const raced = race.shift();
      if (raced) subnets.push(raced);
      const subnet = spec.ipv4?.subnet ?? '172.30.0.0/16';
      if (subnets.some((s) => overlaps(s, subnet))) {
        return Promise.reject(
          new CcboxError(`The engine refused subnet ${subnet}`, {
            code: 'NETWORK_SUBNET_TAKEN',
            exitCode: 5,
          }),
        );
      }
      subnets.push(subnet);
      created.push(spec);
      return Promise.resolve({ id: `id-${created.length}`, name: spec.name });
    },
  };
}

const noRoutes = { hostRoutes: () => Promise.resolve([]), random: () => 0 };

describe('the session subnet pool setting', () => {
  it('defaults to /28 subnets of 198.19.0.0/16', () => {
    const pool = parseSubnetPool(undefined, undefined);
    expect(pool.text).toBe(DEFAULT_SUBNET_POOL);
    expect(pool.size).toBe(28);
    expect(poolCapacity(pool)).toBe(4096);
  });

  it('takes several ranges and a size', () => {
    const pool = parseSubnetPool('10.213.0.0/24, 172.29.8.0/22', '29');
    expect(poolCapacity(pool)).toBe(32 + 128);
  });

  it.each([
    ['8.8.0.0/16', undefined, /not in private, CGNAT or benchmarking space/],
    ['169.254.0.0/16', undefined, /not in private/],
    ['127.0.0.0/8', undefined, /not in private/],
    ['10.0.0.0/7', undefined, /not in private/],
    ['198.19.0.1/16', undefined, /host bits set/],
    ['fd00::/64', undefined, /not an IPv4 CIDR/],
    ['198.19.0.0', undefined, /not an IPv4 CIDR/],
    ['198.19.0.0/30', undefined, /smaller than one \/28 subnet/],
    ['10.1.0.0/16,10.1.2.0/24', undefined, /overlap/],
    [undefined, '30', /CCBOX_SUBNET_SIZE is not a prefix length from 24 to 29/],
    [undefined, '16', /CCBOX_SUBNET_SIZE/],
    [undefined, '28x', /CCBOX_SUBNET_SIZE/],
  ])('refuses pool %s size %s, naming the setting', (pool, size, message) => {
    let error: unknown;
    try {
      parseSubnetPool(pool, size);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(CcboxError);
    expect((error as CcboxError).code).toBe('SUBNET_POOL_INVALID');
    expect((error as CcboxError).exitCode).toBe(2);
    expect((error as CcboxError).message).toMatch(message);
    expect((error as CcboxError).hint).toMatch(/CCBOX_SUBNET_POOL/);
  });
});

describe('free subnets', () => {
  const pool = parseSubnetPool('198.19.0.0/24', '28');
  const take = (used: string[], start: number, n = 3) =>
    [
      ...freeSubnets(
        pool,
        used.map((u) => ipv4Range(u)!),
        start,
      ),
    ]
      .slice(0, n)
      .map((s) => s.subnet);

  it('starts where it is told, wraps round, and gives the first address as the gateway', () => {
    expect(take([], 15)).toEqual(['198.19.0.240/28', '198.19.0.0/28', '198.19.0.16/28']);
    expect([...freeSubnets(pool, [], 0)][0]).toEqual({ subnet: '198.19.0.0/28', gateway: '198.19.0.1' });
  });

  it('skips subnets inside, around and partly over a used range', () => {
    expect(take(['198.19.0.0/28', '198.19.0.32/27', '198.19.0.130/32'], 0, 20)).toEqual([
      '198.19.0.16/28',
      '198.19.0.64/28',
      '198.19.0.80/28',
      '198.19.0.96/28',
      '198.19.0.112/28',
      '198.19.0.144/28',
      '198.19.0.160/28',
      '198.19.0.176/28',
      '198.19.0.192/28',
      '198.19.0.208/28',
      '198.19.0.224/28',
      '198.19.0.240/28',
    ]);
    expect(take(['198.18.0.0/15'], 0)).toEqual([]);
  });

  it('walks every range of a pool of several, jumping within one range only', () => {
    const multi = parseSubnetPool('198.19.0.0/27,10.213.0.0/28', '28');
    const walk = (used: string[], start: number) =>
      [
        ...freeSubnets(
          multi,
          used.map((u) => ipv4Range(u)!),
          start,
        ),
      ].map((x) => x.subnet);
    expect(walk([], 2)).toEqual(['10.213.0.0/28', '198.19.0.0/28', '198.19.0.16/28']);
    expect(walk(['198.19.0.0/16'], 0)).toEqual(['10.213.0.0/28']);
    expect(walk(['10.213.0.0/28', '198.19.0.16/28'], 1)).toEqual(['198.19.0.0/28']);
  });

  it('jumps over a wide route without stepping through each subnet', () => {
    const big = parseSubnetPool('10.0.0.0/8', '29');
    const t = Date.now();
    const first = freeSubnets(big, [ipv4Range('10.0.0.0/9')!], 0).next().value;
    expect(first?.subnet).toBe('10.128.0.0/29');
    expect(Date.now() - t).toBeLessThan(1000);
  });
});

describe('creating the session network', () => {
  const pool = parseSubnetPool('198.19.0.0/26', '28');

  it('passes a subnet from the pool and its gateway to the engine', async () => {
    const engine = fakeEngine();
    await createSessionNetwork(engine, pool, SPEC, noRoutes);
    expect(engine.created[0]).toEqual({ ...SPEC, ipv4: { subnet: '198.19.0.0/28', gateway: '198.19.0.1' } });
  });

  it('avoids subnets an engine network already has', async () => {
    const engine = fakeEngine(['198.19.0.0/27', 'fd00:1::/64', '172.17.0.0/16']);
    await createSessionNetwork(engine, pool, SPEC, noRoutes);
    expect(engine.created[0]?.ipv4?.subnet).toBe('198.19.0.32/28');
  });

  it('avoids subnets a host route covers (a VPN, another engine)', async () => {
    const engine = fakeEngine();
    await createSessionNetwork(engine, pool, SPEC, {
      hostRoutes: () => Promise.resolve(['198.19.0.0/28', '198.19.0.20/32']),
      random: () => 0,
    });
    expect(engine.created[0]?.ipv4?.subnet).toBe('198.19.0.32/28');
  });

  it('moves on when a concurrent ccbox took the subnet first (the engine refuses it)', async () => {
    const engine = fakeEngine([], { raceWith: ['198.19.0.0/28', '198.19.0.16/28'] });
    await createSessionNetwork(engine, pool, SPEC, noRoutes);
    expect(engine.created.map((s) => s.ipv4?.subnet)).toEqual(['198.19.0.32/28']);
  });

  it('starts at a random place in the pool', async () => {
    const engine = fakeEngine();
    await createSessionNetwork(engine, pool, SPEC, { hostRoutes: noRoutes.hostRoutes, random: () => 0.99 });
    expect(engine.created[0]?.ipv4?.subnet).toBe('198.19.0.48/28');
  });

  it('fails with SUBNET_POOL_EXHAUSTED and a hint naming the setting when nothing is free', async () => {
    const engine = fakeEngine(['198.19.0.0/27'], {});
    const err = await createSessionNetwork(engine, pool, SPEC, {
      hostRoutes: () => Promise.resolve(['198.19.0.32/27']),
      random: () => 0.5,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CcboxError);
    expect((err as CcboxError).code).toBe('SUBNET_POOL_EXHAUSTED');
    expect((err as CcboxError).exitCode).toBe(5);
    expect((err as CcboxError).message).toMatch(/all 4 \/28 subnets overlap/);
    expect((err as CcboxError).hint).toMatch(/ccbox gc.*CCBOX_SUBNET_POOL.*CCBOX_SUBNET_SIZE/);
    expect(engine.created).toEqual([]);
  });

  it('gives up after a bounded number of refusals, saying the engine refused them', async () => {
    const wide = parseSubnetPool('198.19.0.0/16', '28');
    const racers = Array.from({ length: 4096 }, (_, i) => `198.19.${i >> 4}.${(i & 15) * 16}/28`);
    const engine = fakeEngine([], { raceWith: racers });
    const err = await createSessionNetwork(engine, wide, SPEC, noRoutes).catch((e: unknown) => e);
    expect((err as CcboxError).code).toBe('SUBNET_POOL_EXHAUSTED');
    expect((err as CcboxError).message).toMatch(/the engine refused 16 in a row/);
  });

  it('passes any other engine failure through unchanged', async () => {
    const failure = new CcboxError('engine down', { code: 'ENGINE_UNREACHABLE', exitCode: 3 });
    const engine = { ...fakeEngine(), createNetwork: () => Promise.reject(failure) };
    await expect(createSessionNetwork(engine, pool, SPEC, noRoutes)).rejects.toBe(failure);
  });
});
