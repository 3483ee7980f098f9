import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { chmod, mkdtemp, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { extract as tarExtract, type Header } from 'tar-stream';
import { CcboxError } from '../errors.js';
import { ExitCodes } from '../exit-codes.js';

/** Options for pulling one file out of a `.tgz`. */
export interface ExtractOptions {
  /** Where to write the file; default: `<new temp dir>/<basename of innerPath>`. */
  destPath?: string;
  signal?: AbortSignal;
}

const CHUNK = 1 << 20;

function tarError(message: string, hint?: string, cause?: unknown): CcboxError {
  return new CcboxError(message, {
    code: 'NPM_TARBALL_INVALID',
    exitCode: ExitCodes.imageBuildFailed,
    hint,
    cause,
  });
}

/**
 * Walks a gzipped tar (tar-stream: ustar, GNU long names, pax paths) to the first regular file `wanted`
 * accepts and hands its data to `consume`; returns false when no entry matched.
 */
async function walkTarball(
  tarballPath: string,
  signal: AbortSignal | undefined,
  wanted: (header: Header) => boolean,
  consume: (header: Header, data: Readable) => Promise<void>,
): Promise<boolean> {
  // 1 MiB chunks: with zlib's 16 KiB default, extracting the 400 MB binary takes about 3x longer.
  const source = createReadStream(tarballPath, { signal, highWaterMark: CHUNK });
  const gunzip = createGunzip({ chunkSize: CHUNK });
  const entries = tarExtract();
  const feed = pipeline(source, gunzip, entries).catch((error: unknown) => {
    entries.destroy(error instanceof Error ? error : new Error(String(error)));
  });
  try {
    for await (const entry of entries) {
      if (entry.header.type === 'file' && wanted(entry.header)) {
        await consume(entry.header, entry as unknown as Readable);
        return true;
      }
      entry.resume();
    }
    await feed;
    return false;
  } catch (error) {
    if (error instanceof CcboxError || signal?.aborted) throw error;
    throw tarError(`${tarballPath} is not a valid gzipped tar`, undefined, error);
  } finally {
    source.destroy();
    gunzip.destroy();
    entries.destroy();
  }
}

function normalise(innerPath: string): string {
  return innerPath.replace(/^\.\//, '');
}

/**
 * Why a file and not a Buffer: the Claude Code binary is ~400 MB unpacked; it is streamed from the
 * gzip straight to disk (temp name, then rename) and keeps its executable bit. Returns the path.
 */
export async function extractFromTarball(
  tarballPath: string,
  innerPath: string,
  options: ExtractOptions = {},
): Promise<string> {
  const wanted = normalise(innerPath);
  const ownDir = options.destPath === undefined ? await mkdtemp(join(tmpdir(), 'ccbox-npm-')) : undefined;
  const dest = options.destPath ?? join(ownDir ?? '', basename(wanted));
  const partial = join(
    dirname(dest),
    `.${basename(dest)}.${process.pid}.${randomBytes(4).toString('hex')}.partial`,
  );
  let mode = 0o644;
  try {
    const found = await walkTarball(
      tarballPath,
      options.signal,
      (header) => normalise(header.name) === wanted,
      async (header, data) => {
        mode = (header.mode ?? 0) & 0o111 ? 0o755 : 0o644;
        await pipeline(data, createWriteStream(partial, { mode: 0o600 }), {
          signal: options.signal,
        });
      },
    );
    if (!found) {
      throw tarError(
        `'${wanted}' is not in ${tarballPath}`,
        'Check the package layout: npm tarballs put files under package/.',
      );
    }
    await chmod(partial, mode);
    await rename(partial, dest);
    return dest;
  } catch (error) {
    await rm(partial, { force: true });
    if (ownDir) await rm(ownDir, { recursive: true, force: true });
    throw error;
  }
}

/** Why: small files (package.json) are easier to check in memory; refuses entries over `maxBytes`. */
export async function readFromTarball(
  tarballPath: string,
  innerPath: string,
  maxBytes = 1 << 20,
): Promise<Buffer> {
  const wanted = normalise(innerPath);
  let result: Buffer | undefined;
  await walkTarball(
    tarballPath,
    undefined,
    (header) => normalise(header.name) === wanted,
    async (header, data) => {
      if ((header.size ?? 0) > maxBytes)
        throw tarError(`'${wanted}' is ${header.size ?? 0} bytes, over the ${maxBytes} limit`);
      const parts: Buffer[] = [];
      for await (const chunk of data) parts.push(chunk as Buffer);
      result = Buffer.concat(parts);
    },
  );
  if (!result) throw tarError(`'${wanted}' is not in ${tarballPath}`);
  return result;
}
