import { describeError } from '../errors.js';
import { LABEL_IMAGE, type Engine } from '../engine/engine.js';

/**
 * The images ccbox builds, in the order they are removed. Why children first: an agent image is
 * built on its runtime image, and removing the runtime first would only untag it.
 */
export const BUILT_IMAGE_KINDS: readonly string[] = ['agent', 'gate', 'agent-runtime'];

export interface ImageGcResult {
  /** Each with its size as the engine reports it (shared layers counted in every image). */
  removed: Array<{ name: string; sizeBytes: number }>;
  /** Kept because a container (running or not) was created from them. */
  inUse: string[];
  failed: Array<{ name: string; message: string }>;
}

/**
 * Removes the ccbox-built images no container uses. The base image and the verified download cache
 * stay, so the next session rebuilds what it needs offline. Failures are collected, never thrown
 * half-way, as `gc` does for sessions.
 */
export async function removeUnusedImages(
  engine: Engine,
  kinds: readonly string[] = BUILT_IMAGE_KINDS,
): Promise<ImageGcResult> {
  const result: ImageGcResult = { removed: [], inUse: [], failed: [] };
  for (const kind of kinds) {
    for (const image of await engine.listImages(`${LABEL_IMAGE}=${kind}`)) {
      const name = image.tags[0] ?? image.id;
      if (image.inUse) {
        result.inUse.push(name);
        continue;
      }
      try {
        // Every tag, so the image itself goes (an image with no tag is removed by its id).
        for (const ref of image.tags.length > 0 ? image.tags : [image.id]) await engine.removeImage(ref);
        result.removed.push({ name, sizeBytes: image.sizeBytes });
      } catch (err) {
        result.failed.push({ name, message: describeError(err) });
      }
    }
  }
  return result;
}
