// `ccbox image base` against a mirror it cannot verify: a tiny Debian mirror fixture served on loopback
// (only its Release file, which is all debootstrap reads before it checks the signature). The build must
// stop with exit 4 and the reason, before any package is fetched.
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCodes } from '../../src/exit-codes.js';
import { runCli } from './cli.js';

// A genuinely signed InRelease, as apt fetched it on this host (none is downloaded by the test).
const SIGNED = '/var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_InRelease';
const canRun = process.getuid?.() === 0 && existsSync('/usr/sbin/debootstrap') && existsSync(SIGNED);

let root = '';
let server: Server;
let base = '';
const requested: string[] = [];

async function mirror(name: string, files: Record<string, string>): Promise<string> {
  for (const [file, content] of Object.entries(files)) {
    const target = path.join(root, name, 'dists/bookworm', file);
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, content);
  }
  return `${base}/${name}`;
}

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'ccbox-mirror-'));
  server = createServer((req, res) => {
    requested.push(req.url ?? '');
    readFile(path.join(root, path.normalize(req.url ?? '/').replace(/^(\.\.[/\\])+/, ''))).then(
      (body) => res.end(body),
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server?.close();
  await rm(root, { recursive: true, force: true });
});

describe.runIf(canRun)('ccbox image base verifies the mirror', () => {
  const build = (url: string, tag: string) =>
    runCli(['image', 'base', '--mirror', url, '--tag', tag], { cwd: tmpdir() });

  it('stops with exit 4 when the Release file was tampered with, and says why', async () => {
    // One byte of one checksum changed: the signature no longer matches.
    const tampered = readFileSync(SIGNED, 'utf8').replace(/^( [0-9a-f]{63})[0-9a-f]/m, '$1x');
    const url = await mirror('tampered', { InRelease: tampered });
    const r = await build(url, 'ccbox-test/base-tampered:1');
    expect(r.code, r.stderr).toBe(ExitCodes.imageBuildFailed);
    expect(r.stderr).toMatch(/could not be verified: Invalid Release signature/);
    expect(r.stderr).toContain('--force-check-gpg');
    expect(requested.filter((u) => u.includes('/tampered/') && u.endsWith('.deb'))).toEqual([]);
    expect(requested.some((u) => u.includes('/tampered/') && u.includes('Packages'))).toBe(false);
  }, 120_000);

  it('stops with exit 4 when the mirror serves an unsigned Release', async () => {
    const release = readFileSync(SIGNED, 'utf8')
      .replace(/^-----BEGIN PGP SIGNED MESSAGE-----\nHash: \S+\n\n/, '')
      .replace(/\n-----BEGIN PGP SIGNATURE-----[\s\S]*$/, '\n');
    const url = await mirror('unsigned', { Release: release });
    const r = await build(url, 'ccbox-test/base-unsigned:1');
    expect(r.code, r.stderr).toBe(ExitCodes.imageBuildFailed);
    expect(r.stderr).toMatch(/could not be verified: .*(signature|not signed)/i);
    expect(requested.some((u) => u.includes('/unsigned/') && u.includes('Packages'))).toBe(false);
  }, 120_000);
});
