// Wire types of the Engine API (from @types/dockerode; no SDK is loaded at run time).
import type Dockerode from 'dockerode';
import { ExitCodes } from '../exit-codes.js';
import type { ListedImage } from '../engine/engine.js';
import type { EngineApi } from './api.js';
import { engineError } from './errors.js';

/**
 * Local images with a label, and whether a container uses each. Why containers too: an image a
 * container (even a stopped one) was created from is never garbage, whatever its age.
 */
export async function listImages(api: EngineApi, label: string): Promise<ListedImage[]> {
  try {
    const [images, containers] = await Promise.all([
      api.json<Dockerode.ImageInfo[]>('GET', '/images/json', { query: { filters: { label: [label] } } }),
      api.json<Dockerode.ContainerInfo[]>('GET', '/containers/json', { query: { all: true } }),
    ]);
    const used = new Set(containers.map((c) => (c as { ImageID?: string }).ImageID ?? ''));
    return images.map((i) => ({
      id: i.Id,
      tags: (i.RepoTags ?? []).filter((t) => t !== '<none>:<none>'),
      labels: { ...(i.Labels ?? {}) },
      created: new Date(i.Created * 1000).toISOString(),
      sizeBytes: i.Size,
      inUse: used.has(i.Id),
    }));
  } catch (err) {
    throw engineError(`Listing images labelled ${label}`, err, ExitCodes.sandboxFailed);
  }
}
