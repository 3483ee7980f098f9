import { createHash, timingSafeEqual } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { CcboxError } from '../errors.js';
import { ExitCodes } from '../exit-codes.js';

/** One hash of a Subresource Integrity string, e.g. `sha512-<base64>`. */
export interface IntegrityHash {
  algorithm: 'sha512' | 'sha384' | 'sha256';
  digest: Buffer;
}

const STRENGTH = { sha256: 1, sha384: 2, sha512: 3 } as const;

function isStrongAlgorithm(name: string): name is IntegrityHash['algorithm'] {
  return Object.hasOwn(STRENGTH, name);
}

/**
 * Why strongest-only: an SRI string may list several hashes; checking the strongest one is what npm
 * does, and refusing sha1-only metadata keeps a weak digest from vouching for a binary we execute.
 */
export function parseIntegrity(sri: string): IntegrityHash {
  let best: IntegrityHash | undefined;
  for (const token of sri.trim().split(/\s+/)) {
    const match = /^([a-z0-9]+)-([A-Za-z0-9+/]+={0,2})(\?.*)?$/.exec(token);
    if (!match?.[1] || !match[2] || !isStrongAlgorithm(match[1])) continue;
    const candidate: IntegrityHash = { algorithm: match[1], digest: Buffer.from(match[2], 'base64') };
    if (!best || STRENGTH[candidate.algorithm] > STRENGTH[best.algorithm]) best = candidate;
  }
  if (!best) {
    throw new CcboxError(`No usable integrity hash in '${sri}'`, {
      code: 'NPM_INTEGRITY_UNUSABLE',
      exitCode: ExitCodes.imageBuildFailed,
      hint: 'ccbox needs a sha256, sha384 or sha512 integrity from the registry (sha1 is refused).',
    });
  }
  return best;
}

/** Formats a digest as an SRI string (`sha512-<base64>`). */
export function formatIntegrity(hash: IntegrityHash): string {
  return `${hash.algorithm}-${hash.digest.toString('base64')}`;
}

/** Why streaming: the Claude Code tarball is ~190 MB; hashing must not hold it in memory. */
export async function hashFile(
  path: string,
  algorithm: IntegrityHash['algorithm'],
  signal?: AbortSignal,
): Promise<IntegrityHash> {
  const hash = createHash(algorithm);
  for await (const chunk of createReadStream(path, { signal })) hash.update(chunk as Buffer);
  return { algorithm, digest: hash.digest() };
}

/** True when two hashes use the same algorithm and digest (constant-time compare of the digest). */
export function sameIntegrity(a: IntegrityHash, b: IntegrityHash): boolean {
  return (
    a.algorithm === b.algorithm && a.digest.length === b.digest.length && timingSafeEqual(a.digest, b.digest)
  );
}
