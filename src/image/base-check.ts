import type { Engine, ImageSummary } from '../engine/engine.js';
import { CcboxError } from '../errors.js';
import { ExitCodes } from '../exit-codes.js';

/** The base image every ccbox image builds FROM; it must be local (ccbox never pulls). */
export async function requireBaseImage(engine: Engine, tag: string): Promise<ImageSummary> {
  const base = await engine.inspectImage(tag);
  if (!base) {
    throw new CcboxError(`the base image ${tag} is not on this engine`, {
      code: 'BASE_IMAGE_MISSING',
      exitCode: ExitCodes.imageBuildFailed,
      hint: 'build one with `ccbox image base` (Debian from a mirror, no registry needed), or name a local image with --base-image / CCBOX_BASE_IMAGE',
    });
  }
  return base;
}
