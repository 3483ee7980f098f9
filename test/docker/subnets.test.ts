// Session subnets on a real engine: each session's internal network comes from ccbox's pool, an engine
// network already holding part of the pool is stepped round, and the engine's own overlap refusal is
// recognised (NETWORK_SUBNET_TAKEN), on Docker and on Podman (through its Docker-compatible socket).
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectEngine } from '../../src/docker/index.js';
import { CcboxError } from '../../src/errors.js';
import { sessionLabels, type Engine, type NetworkRef } from '../../src/engine/engine.js';
import { ccboxObjects, isRoot, makeRepo, runCli } from './cli.js';
import { podmanOutsideNetwork } from './testbed/podman-outside.js';

const RUN = randomBytes(4).toString('hex');
const PODMAN_SOCKET = process.env.CCBOX_TEST_PODMAN_SOCKET ?? '';

interface Target {
  kind: 'docker' | 'podman';
  host: string | undefined;
  /** A pool of two /28s; the test's own network holds the first, so a session can only get the second. */
  pool: string;
  held: { subnet: string; gateway: string };
  free: string;
  skip: boolean;
}

// Why a separate range per engine: Podman refuses a subnet a Docker bridge already uses on the host.
const TARGETS: Target[] = [
  {
    kind: 'docker',
    host: process.env.DOCKER_HOST,
    pool: '198.19.254.0/27',
    held: { subnet: '198.19.254.0/28', gateway: '198.19.254.1' },
    free: '198.19.254.16/28',
    skip: !isRoot,
  },
  {
    kind: 'podman',
    host: `unix://${PODMAN_SOCKET}`,
    pool: '198.19.254.32/27',
    held: { subnet: '198.19.254.32/28', gateway: '198.19.254.33' },
    free: '198.19.254.48/28',
    skip: !isRoot || PODMAN_SOCKET === '',
  },
];

for (const target of TARGETS) {
  describe.skipIf(target.skip)(`session subnets on ${target.kind}`, () => {
    let engine: Engine;
    let held: NetworkRef | undefined;
    let outside = '';
    const labels = { ...sessionLabels(`test-subnets-${RUN}`, 'network', 'policy-v1'), 'dev.ccbox.test': '1' };

    beforeAll(async () => {
      engine = await connectEngine(target.host ? { host: target.host } : {});
      expect((await engine.info()).kind).toBe(target.kind);
      if (target.kind === 'podman') outside = await podmanOutsideNetwork(PODMAN_SOCKET, 'subnets');
      held = await engine.createNetwork({
        name: `ccbox-test-${RUN}-held`,
        internal: true,
        labels,
        ipv4: target.held,
      });
    }, 60_000);

    afterAll(async () => {
      if (held) await engine.removeNetwork(held.id);
    });

    it('lists the subnet of every network and refuses an overlapping one as NETWORK_SUBNET_TAKEN', async () => {
      expect(held?.subnet).toBe(target.held.subnet);
      expect(await engine.listNetworkSubnets()).toContain(target.held.subnet);
      const err = await engine
        .createNetwork({ name: `ccbox-test-${RUN}-clash`, internal: true, labels, ipv4: target.held })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CcboxError);
      expect((err as CcboxError).code).toBe('NETWORK_SUBNET_TAKEN');
    });

    it("puts the session's network on the pool's free subnet and leaves nothing behind", async () => {
      const repo = makeRepo(1000);
      const r = await runCli(['shell', '--plain', '--', 'hostname', '-I'], {
        cwd: repo,
        env: {
          CCBOX_SUBNET_POOL: target.pool,
          ...(target.kind === 'podman'
            ? { DOCKER_HOST: target.host ?? '', CCBOX_GATE_NETWORK: outside }
            : {}),
        },
      });
      expect(r.stderr).not.toMatch(/✗/);
      expect(r.code).toBe(0);
      const prefix = target.free.replace(/\.\d+\/28$/, '.');
      const last = Number(target.free.split('.')[3]?.split('/')[0]);
      expect(r.stderr).toContain(`(internal, ${target.free},`);
      const address = /^(\d+\.\d+\.\d+\.(\d+))\s*$/m.exec(r.stdout);
      expect(address?.[1]?.startsWith(prefix)).toBe(true);
      expect(Number(address?.[2])).toBeGreaterThan(last);
      expect(Number(address?.[2])).toBeLessThan(last + 15);
      const session = /session ([0-9a-f]+)/.exec(r.stderr)?.[1] ?? 'none';
      if (target.kind === 'docker')
        expect(await ccboxObjects(session)).toEqual({ containers: [], networks: [] });
      const left = (await engine.listSessions()).filter((s) => s.id === session);
      expect(left).toEqual([]);
    }, 180_000);
  });
}
