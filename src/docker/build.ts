import type { Readable } from 'node:stream';
import { CcboxError } from '../errors.js';
import { ExitCodes } from '../exit-codes.js';
import type { BuildImageOptions, ImageSummary } from '../engine/engine.js';
import { normalizeContextPath, packBuildContext, readEntry } from './build-context.js';
import { externalImages } from './dockerfile-bases.js';
import type { EngineApi } from './api.js';
import { abortedError, engineError } from './errors.js';
import { scanBuildStream } from './build-stream.js';

async function readDockerfile(options: BuildImageOptions, dockerfile: string): Promise<string> {
  const entry = options.context.find((e) => normalizeContextPath(e.path) === dockerfile);
  if (!entry) {
    throw new CcboxError(`The build context has no ${dockerfile}`, {
      code: 'BUILD_CONTEXT_INVALID',
      exitCode: ExitCodes.imageBuildFailed,
    });
  }
  return readEntry(entry);
}

/**
 * Builds an image from an in-memory context. Never pulls: it refuses to start when a base image is
 * missing locally, sends no `pull` flag, stops the build if the engine starts a pull anyway, and fails
 * on any error message in the build stream. Success means the tag exists afterwards.
 */
export async function buildImage(
  api: EngineApi,
  options: BuildImageOptions,
  inspectImage: (tag: string) => Promise<ImageSummary | undefined>,
): Promise<{ imageId: string }> {
  const imageExists = async (tag: string): Promise<boolean> => (await inspectImage(tag)) !== undefined;
  const what = `Building ${options.tag}`;
  const onProgress = options.onProgress ?? ((): void => undefined);
  const dockerfile = normalizeContextPath(options.dockerfile ?? 'Dockerfile');
  const buildArgs = options.buildArgs ?? {};

  const bases = externalImages(await readDockerfile(options, dockerfile), buildArgs);
  for (const base of bases) {
    if (!(await imageExists(base))) {
      const text = `${base} is not available locally; ccbox does not pull images from a registry`;
      onProgress({ kind: 'pull-blocked', text });
      throw new CcboxError(`${what} failed: ${text}.`, {
        code: 'BASE_IMAGE_MISSING',
        exitCode: ExitCodes.imageBuildFailed,
        hint: base.startsWith('ccbox/base')
          ? 'Build it with `ccbox image base`.'
          : `Load or build ${base} locally first.`,
      });
    }
  }
  options.signal?.throwIfAborted();

  const context = packBuildContext(options.context);
  let stream: Readable;
  try {
    // Why no `pull` parameter: ccbox never fetches a base image from a registry.
    stream = await api.response('POST', '/build', {
      query: {
        t: options.tag,
        dockerfile,
        buildargs: { ...buildArgs },
        labels: { ...(options.labels ?? {}) },
        rm: true,
        forcerm: true,
        nocache: options.noCache ?? false,
      },
      input: { stream: context, contentType: 'application/x-tar' },
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (err) {
    context.destroy();
    if (options.signal?.aborted) throw abortedError(what, err);
    throw engineError(what, err, ExitCodes.imageBuildFailed);
  }
  let outcome;
  try {
    outcome = await scanBuildStream(stream, what, onProgress);
  } catch (err) {
    if (options.signal?.aborted) throw abortedError(what, err);
    throw err;
  } finally {
    context.destroy();
  }
  // The stream said nothing wrong; make sure the engine agrees that the image exists.
  const image = await inspectImage(options.tag);
  if (!image) {
    throw new CcboxError(`${what} ended without producing ${options.tag}`, {
      code: 'IMAGE_BUILD_FAILED',
      exitCode: ExitCodes.imageBuildFailed,
      details: outcome.tail,
    });
  }
  return { imageId: image.id };
}
