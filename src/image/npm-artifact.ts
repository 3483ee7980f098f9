import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CcboxError } from '../errors.js';
import { ExitCodes } from '../exit-codes.js';
import {
  formatIntegrity,
  hashFile,
  parseIntegrity,
  sameIntegrity,
  type IntegrityHash,
} from './npm-integrity.js';
import { artifactUrls, fetchVersionMetadata, type FetchLike } from './npm-registry.js';

export type { FetchLike } from './npm-registry.js';

/** What to fetch and where to keep it. */
export interface FetchNpmArtifactOptions {
  /** Package name, e.g. `@anthropic-ai/claude-code-linux-x64`. */
  name: string;
  /** An exact semver version; tags and ranges are refused. */
  version: string;
  /** Registry base URL, e.g. `https://registry.npmjs.org` (the caller reads npm config). */
  registry: string;
  /** Directory for cached tarballs (created if missing), e.g. `~/.cache/ccbox`. */
  cacheDir: string;
  /** When given, the registry's `dist.integrity` must equal it (a digest pinned in source). */
  integrity?: string;
  signal?: AbortSignal;
  /** Defaults to the global fetch. */
  fetch?: FetchLike;
}

/** A verified tarball on disk. */
export interface NpmArtifact {
  tarballPath: string;
  /** The SRI string the tarball was verified against. */
  integrity: string;
  version: string;
  /** True when no network was used: the cached file matched its recorded integrity. */
  fromCache: boolean;
}

interface CacheRecord {
  name: string;
  version: string;
  integrity: string;
  tarball: string;
}

// Semver 2.0.0's own regular expression: exact versions only, no ranges, tags or `v` prefix.
const EXACT_SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;
// npm's package-name rules; also keeps the name from escaping the cache dir or the registry path.
const PACKAGE_NAME = /^(?:@[a-z0-9-~][a-z0-9-._~]*\/)?[a-z0-9-~][a-z0-9-._~]*$/;

function validate(name: string, version: string): void {
  if (!PACKAGE_NAME.test(name) || name.length > 214) {
    throw new CcboxError(`'${name}' is not a valid npm package name`, {
      code: 'NPM_INVALID_NAME',
      exitCode: ExitCodes.invalidInput,
    });
  }
  if (!EXACT_SEMVER.test(version)) {
    // Why: a tag or range would let the registry choose which binary runs inside the sandbox.
    throw new CcboxError(`'${version}' is not an exact version of ${name}`, {
      code: 'NPM_VERSION_NOT_PINNED',
      exitCode: ExitCodes.invalidInput,
      hint: `Pin an exact version such as 1.2.3 (see \`npm view ${name} version\`); tags like 'latest' and ranges are refused.`,
    });
  }
}

function cachePaths(cacheDir: string, name: string, version: string): { tarball: string; record: string } {
  const base = join(cacheDir, 'npm', `${name.replace('/', '+')}-${version}`);
  return { tarball: `${base}.tgz`, record: `${base}.json` };
}

async function readRecord(path: string): Promise<CacheRecord | undefined> {
  try {
    const parsed = JSON.parse(await readFile(path, 'utf8')) as Partial<CacheRecord>;
    if (typeof parsed.integrity !== 'string' || typeof parsed.version !== 'string') return undefined;
    parseIntegrity(parsed.integrity); // a record with an unusable digest counts as no record
    return parsed as CacheRecord;
  } catch {
    return undefined;
  }
}

function mismatch(what: string, expected: IntegrityHash, got: IntegrityHash, hint: string): CcboxError {
  return new CcboxError(
    `Integrity mismatch for ${what}: expected ${formatIntegrity(expected)}, got ${formatIntegrity(got)}`,
    {
      code: 'NPM_INTEGRITY_MISMATCH',
      exitCode: ExitCodes.imageBuildFailed,
      hint,
    },
  );
}

async function atomicWrite(path: string, data: string): Promise<void> {
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(tmp, data, { mode: 0o644 });
  await rename(tmp, path);
}

/** Streams the tarball to a temp file while hashing it, then renames it into place only if the digest matches. */
async function download(
  url: string,
  dest: string,
  expected: IntegrityHash,
  what: string,
  options: FetchNpmArtifactOptions,
): Promise<void> {
  const fetchFn = options.fetch ?? globalThis.fetch;
  const response = await fetchFn(url, { signal: options.signal }).catch((cause: unknown) => {
    if (options.signal?.aborted) throw cause;
    throw new CcboxError(`Downloading ${what} from ${url} failed`, {
      code: 'NPM_DOWNLOAD_FAILED',
      exitCode: ExitCodes.imageBuildFailed,
      hint: 'Check the registry URL and that the proxy lets it through.',
      cause,
    });
  });
  if (!response.ok || !response.body) {
    throw new CcboxError(`Downloading ${what} failed: HTTP ${response.status} from ${url}`, {
      code: 'NPM_DOWNLOAD_FAILED',
      exitCode: ExitCodes.imageBuildFailed,
      hint: 'Check the registry URL and that the proxy lets it through.',
    });
  }
  const tmp = `${dest}.${process.pid}.${randomBytes(4).toString('hex')}.partial`;
  const hash = createHash(expected.algorithm);
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      callback(null, chunk);
    },
  });
  try {
    await pipeline(Readable.fromWeb(response.body), tap, createWriteStream(tmp, { mode: 0o644 }), {
      signal: options.signal,
    });
    const got: IntegrityHash = { algorithm: expected.algorithm, digest: hash.digest() };
    // Why: the bytes we will execute must be the ones the registry vouched for; a mismatch is never cached.
    if (!sameIntegrity(expected, got)) {
      throw mismatch(
        what,
        expected,
        got,
        'The download was altered or truncated; nothing was kept. Retry, and check the proxy or mirror.',
      );
    }
    await rename(tmp, dest);
  } finally {
    await rm(tmp, { force: true });
  }
}

/**
 * Why: ccbox images embed binaries from npm (Claude Code's native build, Node for the gate). This
 * fetches one pinned version, verifies its SRI digest over the downloaded bytes and caches it; a
 * cache hit is re-verified against the recorded digest without touching the network.
 */
export async function fetchNpmArtifact(options: FetchNpmArtifactOptions): Promise<NpmArtifact> {
  const { name, version, cacheDir } = options;
  validate(name, version);
  const what = `${name}@${version}`;
  const pinned = options.integrity === undefined ? undefined : parseIntegrity(options.integrity);
  const paths = cachePaths(cacheDir, name, version);

  const record = await readRecord(paths.record);
  if (record && record.version === version) {
    const recorded = parseIntegrity(record.integrity);
    if (!pinned || sameIntegrity(pinned, recorded)) {
      const got = await hashFile(paths.tarball, recorded.algorithm, options.signal).catch(
        (error: unknown) => {
          if (options.signal?.aborted) throw error;
          return undefined; // missing or unreadable: fetched again below
        },
      );
      if (got && sameIntegrity(recorded, got)) {
        return { tarballPath: paths.tarball, integrity: record.integrity, version, fromCache: true };
      }
    }
    // Why: a cached file that no longer matches is discarded and fetched again, never used.
    await rm(paths.tarball, { force: true });
    await rm(paths.record, { force: true });
  }

  const metadata = await fetchVersionMetadata(options);
  const urls = artifactUrls(options.registry, metadata, what);
  const expected = parseIntegrity(metadata.integrity);
  if (pinned && !sameIntegrity(pinned, expected)) {
    throw mismatch(
      `${what} (registry metadata vs pinned digest)`,
      pinned,
      expected,
      'The registry serves a different build than the one pinned in ccbox; do not override this without review.',
    );
  }
  await mkdir(join(cacheDir, 'npm'), { recursive: true });
  await download(urls.tarball, paths.tarball, expected, what, options);
  const integrity = formatIntegrity(expected);
  await atomicWrite(
    paths.record,
    `${JSON.stringify({ name, version, integrity, tarball: urls.tarball } satisfies CacheRecord, null, 2)}\n`,
  );
  return { tarballPath: paths.tarball, integrity, version, fromCache: false };
}
