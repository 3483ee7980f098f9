// The agent must not reach the host's own services through the session network. On Docker an internal
// network's bridge used to hold the gateway address on the host, and the agent had a default route to
// it: a host server listening on 0.0.0.0 answered the agent. The attack runs from inside a session on
// Docker and on Podman, against the test's own server, and the check is on the server's side.
import net from 'node:net';
import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRoot, makeRepo, runCli } from './cli.js';
import { podmanOutsideNetwork } from './testbed/podman-outside.js';

const PODMAN_SOCKET = process.env.CCBOX_TEST_PODMAN_SOCKET ?? '';

/** Every IPv4 address this host has (the addresses the agent could aim at), loopback excluded. */
function hostAddresses(): string[] {
  return Object.values(os.networkInterfaces())
    .flat()
    .filter((a): a is os.NetworkInterfaceInfo => a !== undefined && a.family === 'IPv4' && !a.internal)
    .map((a) => a.address);
}

const TARGETS = [
  { kind: 'docker', env: (): Promise<Record<string, string>> => Promise.resolve({}), skip: !isRoot },
  {
    kind: 'podman',
    env: async (): Promise<Record<string, string>> => ({
      DOCKER_HOST: `unix://${PODMAN_SOCKET}`,
      CCBOX_GATE_NETWORK: await podmanOutsideNetwork(PODMAN_SOCKET, 'host-reach'),
    }),
    skip: !isRoot || PODMAN_SOCKET === '',
  },
] as const;

describe.skipIf(!isRoot)('the host is not on the session network', () => {
  let server: net.Server;
  let port = 0;
  const seen: string[] = [];

  beforeAll(async () => {
    // The test's own server on every address of the host, as a careless dev server would listen.
    server = net.createServer((s) => {
      seen.push(s.remoteAddress ?? '?');
      s.end('HOST-SERVICE\n');
    });
    await new Promise<void>((r) => server.listen(0, '0.0.0.0', r));
    port = (server.address() as net.AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  for (const target of TARGETS) {
    it.skipIf(target.skip)(
      `${target.kind}: the default gateway and every host address refuse the agent`,
      async () => {
        const before = seen.length;
        // The gateway from the agent's own routing table (little-endian hex), plus every host address.
        const probe = [
          'g=$(awk \'NR>1 && $2=="00000000" {print $3}\' /proc/net/route)',
          'targets="' + hostAddresses().join(' ') + '"',
          '[ -n "$g" ] && targets="$targets $(printf "%d.%d.%d.%d" 0x${g:6:2} 0x${g:4:2} 0x${g:2:2} 0x${g:0:2})"',
          'net=$(awk \'NR>1 && $2!="00000000" {print $2; exit}\' /proc/net/route)',
          'first=$(printf "%d.%d.%d.%d" 0x${net:6:2} 0x${net:4:2} 0x${net:2:2} $((0x${net:0:2} + 1)))',
          'targets="$targets $first"',
          `for t in $targets; do if timeout 2 bash -c "exec 3<>/dev/tcp/$t/${port}; cat <&3" 2>/dev/null | grep -q HOST-SERVICE; then echo "REACHED $t"; else echo "refused $t"; fi; done`,
        ].join('; ');
        const r = await runCli(['shell', '--plain', '--', 'bash', '-c', probe], {
          cwd: makeRepo(1000),
          env: await target.env(),
        });
        expect(r.code, r.stderr).toBe(0);
        // The probe ran (it tried the gateway's or the network's first address) and reached nothing.
        expect(r.stdout).toMatch(/refused \d+\.\d+\.\d+\.\d+/);
        expect(r.stdout).not.toContain('REACHED');
        expect(seen.slice(before)).toEqual([]);
      },
      180_000,
    );
  }
});
