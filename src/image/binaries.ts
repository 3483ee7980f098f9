import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fetchNpmArtifact } from './npm-artifact.js';
import { extractFromTarball } from './npm-tar.js';
import {
  CLAUDE_BINARY_IN_TARBALL,
  DEFAULT_GATE_NODE_INTEGRITY,
  DEFAULT_GATE_NODE_VERSION,
  NODE_BINARY_IN_TARBALL,
  nodePackage,
  platformPackage,
  supportedArch,
} from './npm-platform.js';
import { DEFAULT_CLAUDE_CODE_INTEGRITY, DEFAULT_CLAUDE_CODE_VERSION } from '../claude-code-version.js';

/** Where pinned binaries come from and are kept. */
export interface BinarySource {
  registry: string;
  cacheDir: string;
  arch: string;
  signal?: AbortSignal;
}

export interface CachedBinary {
  path: string;
  /** `<package>@<version>`: what the image tag hashes (the registry never changes a published version). */
  id: string;
  fromCache: boolean;
}

/**
 * Fetches a pinned npm platform package once, verifies it, and keeps the extracted binary. A marker
 * records which verified tarball the binary came from, so a warm start touches neither the network
 * nor the 186 MB tarball.
 */
async function ensureBinary(
  name: string,
  version: string,
  inner: string,
  integrity: string | undefined,
  src: BinarySource,
): Promise<CachedBinary> {
  const id = `${name}@${version}`;
  const dir = path.join(src.cacheDir, 'bin');
  const file = path.join(dir, `${name.replace(/[@/]/g, '_')}-${version}`);
  const marker = `${file}.verified`;
  if (existsSync(file) && existsSync(marker) && readFileSync(marker, 'utf8').startsWith(`${id} `))
    return { path: file, id, fromCache: true };
  mkdirSync(dir, { recursive: true });
  const artifact = await fetchNpmArtifact({
    name,
    version,
    registry: src.registry,
    cacheDir: src.cacheDir,
    ...(integrity !== undefined ? { integrity } : {}),
    ...(src.signal ? { signal: src.signal } : {}),
  });
  await extractFromTarball(artifact.tarballPath, inner, {
    destPath: file,
    ...(src.signal ? { signal: src.signal } : {}),
  });
  writeFileSync(marker, `${id} ${artifact.integrity}\n`);
  return { path: file, id, fromCache: false };
}

/** The Claude Code binary at the pinned version (digest pinned too for the default version). */
export function ensureClaudeBinary(version: string, src: BinarySource): Promise<CachedBinary> {
  const arch = supportedArch(src.arch);
  const pinned = version === DEFAULT_CLAUDE_CODE_VERSION ? DEFAULT_CLAUDE_CODE_INTEGRITY[arch] : undefined;
  return ensureBinary(platformPackage(arch), version, CLAUDE_BINARY_IN_TARBALL, pinned, src);
}

/** The Node runtime of the gate. */
export function ensureGateNode(src: BinarySource): Promise<CachedBinary> {
  const arch = supportedArch(src.arch);
  return ensureBinary(
    nodePackage(arch),
    DEFAULT_GATE_NODE_VERSION,
    NODE_BINARY_IN_TARBALL,
    DEFAULT_GATE_NODE_INTEGRITY[arch],
    src,
  );
}

/** The id a binary will have, without fetching it (for computing image tags on a warm start). */
export function claudeBinaryId(version: string, arch: string): string {
  return `${platformPackage(arch)}@${version}`;
}
