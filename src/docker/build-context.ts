import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { CcboxError } from '../errors.js';
import { ExitCodes } from '../exit-codes.js';
import type { BuildContextEntry } from '../engine/engine.js';

/** A fixed mtime keeps the context (and the builder's cache keys) independent of when it was packed. */
const FIXED_MTIME = new Date('2000-01-01T00:00:00Z');

function contextError(message: string, cause?: unknown): CcboxError {
  return new CcboxError(`Build context: ${message}`, {
    code: 'BUILD_CONTEXT_INVALID',
    exitCode: ExitCodes.imageBuildFailed,
    cause,
  });
}

/** Why: a context path is a name inside the tar; `..` or an absolute path would let it escape the context. */
export function normalizeContextPath(name: string): string {
  const normalized = path.posix.normalize(name.replace(/\\/g, '/'));
  if (
    normalized.startsWith('/') ||
    normalized === '..' ||
    normalized.startsWith('../') ||
    normalized === '.'
  ) {
    throw contextError(`path ${JSON.stringify(name)} leaves the context`);
  }
  return normalized;
}

/** The text of one context entry (used to read the Dockerfile before building). */
export async function readEntry(entry: BuildContextEntry): Promise<string> {
  if ('content' in entry)
    return typeof entry.content === 'string' ? entry.content : entry.content.toString('utf8');
  return readFile(entry.hostPath, 'utf8');
}

async function addEntries(pack: tar.Pack, entries: readonly BuildContextEntry[]): Promise<void> {
  for (const entry of entries) {
    const name = normalizeContextPath(entry.path);
    if ('content' in entry) {
      const body = typeof entry.content === 'string' ? Buffer.from(entry.content) : entry.content;
      await new Promise<void>((resolve, reject) => {
        pack.entry({ name, mode: entry.mode ?? 0o644, mtime: FIXED_MTIME, size: body.length }, body, (err) =>
          err ? reject(err) : resolve(),
        );
      });
      continue;
    }
    const info = await stat(entry.hostPath);
    if (!info.isFile()) throw contextError(`${entry.hostPath} is not a regular file`);
    let done!: Promise<void>;
    const finished = new Promise<void>((resolve, reject) => {
      const sink = pack.entry(
        { name, mode: entry.mode ?? info.mode & 0o777, mtime: FIXED_MTIME, size: info.size },
        (err) => (err ? reject(err) : resolve()),
      );
      done = pipeline(createReadStream(entry.hostPath), sink);
    });
    await Promise.all([done, finished]);
  }
  pack.finalize();
}

/** Packs the entries as an uncompressed tar stream; a read failure destroys the stream with the error. */
export function packBuildContext(entries: readonly BuildContextEntry[]): tar.Pack {
  const seen = new Set<string>();
  for (const entry of entries) {
    const name = normalizeContextPath(entry.path);
    if (seen.has(name)) throw contextError(`${name} appears twice`);
    seen.add(name);
  }
  const pack = tar.pack();
  addEntries(pack, entries).catch((err: unknown) => {
    pack.destroy(err instanceof Error ? err : contextError(String(err), err));
  });
  return pack;
}
