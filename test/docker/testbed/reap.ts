import type Dockerode from 'dockerode';
import { LABEL_RUN } from './labels.js';

// The global teardown's reaper: removes test-labelled containers, networks, volumes and images that a
// decision function picks (this run's, and dead runs'), on one engine (Docker, or Podman's socket).

/** How many objects of each kind were removed. */
export interface Reaped {
  containers: number;
  networks: number;
  volumes: number;
  images: number;
}

/** Whether to remove an object with these labels, created at `createdMs` (ms since the epoch). */
export type Decide = (labels: Record<string, string> | undefined, createdMs: number) => boolean;

const filters = { label: [LABEL_RUN] };
/** A 404 means someone (a test's own afterAll, a concurrent reaper) removed it first: fine. */
const gone = (e: unknown): boolean => (e as { statusCode?: number }).statusCode === 404;
const quietly = async (work: Promise<unknown>): Promise<boolean> =>
  work.then(
    () => true,
    (e: unknown) => {
      if (gone(e)) return false;
      throw e;
    },
  );

/** Removes what `decide` picks; containers first, so that their networks and volumes are free. */
export async function reap(engine: Dockerode, decide: Decide): Promise<Reaped> {
  const done: Reaped = { containers: 0, networks: 0, volumes: 0, images: 0 };
  for (const c of await engine.listContainers({ all: true, filters })) {
    if (!decide(c.Labels, c.Created * 1000)) continue;
    if (await quietly(engine.getContainer(c.Id).remove({ force: true, v: true }))) done.containers++;
  }
  for (const n of await engine.listNetworks({ filters })) {
    if (!decide(n.Labels, Date.parse(n.Created))) continue;
    const net = engine.getNetwork(n.Id);
    // A session gate of a crashed ccbox may still hang on the run's outside network: unplug it first.
    const info = (await net.inspect().catch(() => ({ Containers: {} }))) as Dockerode.NetworkInspectInfo;
    for (const id of Object.keys(info.Containers ?? {}))
      await quietly(net.disconnect({ Container: id, Force: true }));
    if (await quietly(net.remove())) done.networks++;
  }
  const { Volumes: volumes } = await engine.listVolumes({ filters });
  for (const v of volumes ?? []) {
    const created = (v as { CreatedAt?: string }).CreatedAt;
    if (!decide(v.Labels, created ? Date.parse(created) : NaN)) continue;
    if (await quietly(engine.getVolume(v.Name).remove({ force: true }))) done.volumes++;
  }
  for (const i of await engine.listImages({ filters })) {
    if (!decide(i.Labels, i.Created * 1000)) continue;
    if (await quietly(engine.getImage(i.Id).remove({ force: true }))) done.images++;
  }
  return done;
}
