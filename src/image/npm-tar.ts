import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { chmod, mkdtemp, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { CcboxError } from '../errors.js';
import { ExitCodes } from '../exit-codes.js';
import { ChunkReader, parseTarHeader, type TarHeader } from './npm-tar-format.js';

/** Options for pulling one file out of a `.tgz`. */
export interface ExtractOptions {
  /** Where to write the file; default: `<new temp dir>/<basename of innerPath>`. */
  destPath?: string;
  signal?: AbortSignal;
}

const CHUNK = 1 << 20;

function tarError(message: string, hint?: string): CcboxError {
  return new CcboxError(message, { code: 'NPM_TARBALL_INVALID', exitCode: ExitCodes.imageBuildFailed, hint });
}

/**
 * Walks a gzipped tar to the first regular file `wanted` accepts and hands its data to `consume`;
 * returns false when no entry matched. Why our own reader: the format is small, tar-stream is
 * reserved to src/docker by the lint rules, and standalone pieces of ccbox run without node_modules.
 */
async function walkTarball(
  tarballPath: string,
  signal: AbortSignal | undefined,
  wanted: (header: TarHeader) => boolean,
  consume: (header: TarHeader, data: AsyncGenerator<Buffer>) => Promise<void>,
): Promise<boolean> {
  // 1 MiB chunks: with zlib's 16 KiB default, extracting the 400 MB binary takes about 3x longer.
  const gunzip = createReadStream(tarballPath, { signal, highWaterMark: CHUNK }).pipe(
    createGunzip({ chunkSize: CHUNK }),
  );
  const reader = new ChunkReader(gunzip[Symbol.asyncIterator]() as AsyncIterator<Buffer>);
  let longName: string | undefined;
  let paxPath: string | undefined;
  try {
    for (;;) {
      const block = await reader.readExact(512);
      if (!block || block.every((byte) => byte === 0)) return false;
      const header = parseTarHeader(block);
      const padded = Math.ceil(header.size / 512) * 512;
      if (header.type === 'L' || header.type === 'x') {
        const body = await reader.readExact(padded);
        if (!body) throw tarError(`Truncated tar metadata in ${tarballPath}`);
        const text = body.subarray(0, header.size).toString('utf8');
        if (header.type === 'L') longName = text.replace(/\0.*$/s, '');
        else paxPath = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(text)?.[1] ?? paxPath;
        continue;
      }
      const entry: TarHeader = { ...header, name: paxPath ?? longName ?? header.name };
      longName = undefined;
      paxPath = undefined;
      if (entry.type === 'file' && wanted(entry)) {
        await consume(entry, reader.readChunks(entry.size));
        return true;
      }
      await reader.skip(padded);
    }
  } finally {
    gunzip.destroy();
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
        mode = header.mode & 0o111 ? 0o755 : 0o644;
        await pipeline(Readable.from(data), createWriteStream(partial, { mode: 0o600 }), {
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
      if (header.size > maxBytes)
        throw tarError(`'${wanted}' is ${header.size} bytes, over the ${maxBytes} limit`);
      const parts: Buffer[] = [];
      for await (const chunk of data) parts.push(chunk);
      result = Buffer.concat(parts);
    },
  );
  if (!result) throw tarError(`'${wanted}' is not in ${tarballPath}`);
  return result;
}
