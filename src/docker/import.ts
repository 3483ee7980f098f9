import type { Readable } from 'node:stream';
import tarFs from 'tar-fs';
import { CcboxError } from '../errors.js';
import { ExitCodes } from '../exit-codes.js';
import type { ImageSummary, ImportRootfsOptions, Labels } from '../engine/engine.js';
import { scanBuildStream } from './build-stream.js';
import type { EngineApi } from './api.js';
import { abortedError, engineError } from './errors.js';

/** `repo[:tag]` → its parts; a `:` before the last `/` is a registry port, not a tag. */
export function splitTag(reference: string): { repo: string; tag: string } {
  const slash = reference.lastIndexOf('/');
  const colon = reference.lastIndexOf(':');
  if (colon > slash) return { repo: reference.slice(0, colon), tag: reference.slice(colon + 1) };
  return { repo: reference, tag: 'latest' };
}

/** Labels as `docker import --change` instructions; JSON quoting is valid Dockerfile quoting. */
export function labelChanges(labels: Labels | undefined): string[] {
  return Object.entries(labels ?? {}).map(([k, v]) => `LABEL ${JSON.stringify(k)}=${JSON.stringify(v)}`);
}

/**
 * Packs a root filesystem directory. Why these options: umask 0 keeps modes exactly (a umask would turn
 * /tmp's 1777 into 1755); device nodes and fifos are skipped (the engine provides /dev at run time); the
 * top directory is 0755 root-owned whatever the temporary directory's own mode was.
 */
export function packRootfs(directory: string): Readable {
  const options: tarFs.PackOptions & { umask: number } = {
    umask: 0,
    strict: false,
    map: (header) => {
      if (header.name === '.' || header.name === '') {
        header.mode = 0o755;
        header.uid = 0;
        header.gid = 0;
      }
      return header;
    },
  };
  return tarFs.pack(directory, options) as unknown as Readable;
}

/** Imports a root filesystem as an image (POST /images/create?fromSrc=-), then checks that it exists. */
export async function importRootfs(
  api: EngineApi,
  options: ImportRootfsOptions,
  inspectImage: (tag: string) => Promise<ImageSummary | undefined>,
): Promise<{ imageId: string }> {
  const what = `Importing ${options.tag}`;
  options.signal?.throwIfAborted();
  const tar = 'directory' in options.source ? packRootfs(options.source.directory) : options.source.tar;
  const { repo, tag } = splitTag(options.tag);
  const changes = [...labelChanges(options.labels), ...(options.changes ?? [])];
  // A failure reading the rootfs must fail the import, not leave a truncated image behind silently.
  let packError: Error | undefined;
  let stream: Readable | undefined;
  tar.on('error', (err: Error) => {
    packError = err;
    stream?.destroy(err);
  });
  try {
    stream = await api.response('POST', '/images/create', {
      query: { fromSrc: '-', repo, tag, changes },
      input: { stream: tar, contentType: 'application/x-tar' },
      ...(options.signal ? { signal: options.signal } : {}),
    });
    await scanBuildStream(stream, what, () => undefined);
    if (packError) throw packError;
  } catch (err) {
    tar.destroy();
    if (options.signal?.aborted) throw abortedError(what, err);
    if (packError) {
      throw new CcboxError(`${what} failed reading the root filesystem: ${packError.message}`, {
        code: 'IMAGE_IMPORT_FAILED',
        exitCode: ExitCodes.imageBuildFailed,
        cause: packError,
      });
    }
    throw engineError(what, err, ExitCodes.imageBuildFailed);
  }
  const image = await inspectImage(options.tag);
  if (!image) {
    throw new CcboxError(`${what} ended without producing ${options.tag}`, {
      code: 'IMAGE_IMPORT_FAILED',
      exitCode: ExitCodes.imageBuildFailed,
    });
  }
  return { imageId: image.id };
}
