// Wire types of the Engine API (from @types/dockerode; no SDK is loaded at run time).
import type Dockerode from 'dockerode';
import type { EngineApi } from './api.js';
import { CcboxError } from '../errors.js';
import { ExitCodes } from '../exit-codes.js';
import type { NetworkRef, NetworkSpec } from '../engine/engine.js';
import { engineError, engineMessageOf } from './errors.js';

// Docker: "Pool overlaps with other one on this address space" (403). Podman: "subnet ... is already used
// on the host or by another config" (500). Why by text: neither engine gives the case a status of its own.
const SUBNET_TAKEN = /pool overlaps|already used on the host or by another config/i;

/** Creates a bridge network; a refused `spec.ipv4` subnet is NETWORK_SUBNET_TAKEN so the caller can retry. */
export async function createNetwork(
  api: EngineApi,
  spec: NetworkSpec,
  kind: 'docker' | 'podman' = 'docker',
): Promise<NetworkRef> {
  try {
    const network = await api.json<{ Id: string }>('POST', '/networks/create', {
      body: {
        Name: spec.name,
        Driver: 'bridge',
        CheckDuplicate: true,
        Internal: spec.internal,
        // Why: the guide allows no IPv6 path around the gate.
        EnableIPv6: false,
        Labels: { ...spec.labels },
        // Why: Docker gives an internal network's bridge the gateway address on the host, and the
        // containers a default route to it, so an agent could reach every host service listening on
        // 0.0.0.0 (a dev database, an engine on TCP). Without an address the host is not on the network.
        // Podman's internal networks have no host address already, and Podman refuses Docker's option.
        ...(spec.internal && kind === 'docker'
          ? { Options: { 'com.docker.network.bridge.inhibit_ipv4': 'true' } }
          : {}),
        ...(spec.ipv4
          ? {
              IPAM: { Driver: 'default', Config: [{ Subnet: spec.ipv4.subnet, Gateway: spec.ipv4.gateway }] },
            }
          : {}),
      },
    });
    return { id: network.Id, name: spec.name, ...(spec.ipv4 ? { subnet: spec.ipv4.subnet } : {}) };
  } catch (err) {
    if (spec.ipv4 && SUBNET_TAKEN.test(engineMessageOf(err))) {
      throw new CcboxError(`The engine refused subnet ${spec.ipv4.subnet}: ${engineMessageOf(err)}`, {
        code: 'NETWORK_SUBNET_TAKEN',
        exitCode: ExitCodes.sandboxFailed,
        cause: err,
      });
    }
    throw engineError(`Creating network ${spec.name}`, err, ExitCodes.sandboxFailed);
  }
}

/** Every subnet of every network the engine has (Podman writes `<nil>` for a missing gateway, not a subnet). */
export async function listNetworkSubnets(api: EngineApi): Promise<string[]> {
  let networks: Dockerode.NetworkInspectInfo[];
  try {
    networks = await api.json<Dockerode.NetworkInspectInfo[]>('GET', '/networks');
  } catch (err) {
    throw engineError('Listing networks', err, ExitCodes.sandboxFailed);
  }
  return networks.flatMap((n) =>
    (n.IPAM?.Config ?? [])
      .map((c) => c.Subnet)
      .filter((s): s is string => typeof s === 'string' && s.includes('/')),
  );
}
