import Dockerode from 'dockerode';
import { getContainerRuntimeClient } from 'testcontainers';

// The tests' own view of the engines, for set-up and for checking what ccbox left: testcontainers'
// client (Docker, wherever DOCKER_HOST points) and a plain dockerode on Podman's socket. Never ccbox's
// own Engine API client, so that a bug in it cannot hide itself from the tests.

/** The Docker engine testcontainers found (DOCKER_HOST or the default socket). */
export async function dockerEngine(): Promise<Dockerode> {
  return (await getContainerRuntimeClient()).container.dockerode;
}

/** Podman through its Docker-compatible socket (CCBOX_TEST_PODMAN_SOCKET). */
export const podmanEngine = (socketPath: string): Dockerode => new Dockerode({ socketPath });

/** Ids of the containers (all states) that match every `label=value` given. */
export async function containerIds(engine: Dockerode, labels: string[]): Promise<string[]> {
  return (await engine.listContainers({ all: true, filters: { label: labels } })).map((c) => c.Id);
}

/** Ids of the networks that match every `label=value` given. */
export async function networkIds(engine: Dockerode, labels: string[]): Promise<string[]> {
  return (await engine.listNetworks({ filters: { label: labels } })).map((n) => n.Id);
}

/** A container's output so far, split by stream (the engine multiplexes both into frames). */
export async function containerLogs(
  engine: Dockerode,
  id: string,
): Promise<{ stdout: string; stderr: string }> {
  const raw = await engine.getContainer(id).logs({ stdout: true, stderr: true, follow: false });
  const out: Buffer[][] = [[], [], []];
  // Frames: 1 byte stream (1 stdout, 2 stderr), 3 zero bytes, a 4-byte big-endian length, the payload.
  for (let at = 0; at + 8 <= raw.length;) {
    const size = raw.readUInt32BE(at + 4);
    out[raw[at] === 2 ? 2 : 1]?.push(raw.subarray(at + 8, at + 8 + size));
    at += 8 + size;
  }
  return { stdout: Buffer.concat(out[1] ?? []).toString(), stderr: Buffer.concat(out[2] ?? []).toString() };
}

/** `<type> <name>` of every object the engine reports created between `since` and `until` (unix seconds). */
export async function createdObjects(
  engine: Dockerode,
  opts: { since: number; until: number; labels: string[] },
): Promise<string[]> {
  const stream = await engine.getEvents({
    since: opts.since,
    until: opts.until,
    filters: { event: ['create'], label: opts.labels },
  });
  let text = '';
  for await (const chunk of stream) text += String(chunk);
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as { Type?: string; Actor?: { Attributes?: { name?: string } } })
    .map((e) => `${e.Type ?? '?'} ${e.Actor?.Attributes?.name ?? '?'}`);
}
