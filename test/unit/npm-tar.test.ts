import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { pack } from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { extractFromTarball, readFromTarball } from '../../src/image/npm-tar.js';

// The npm tarball reader: long (pax) names, modes, size limits and a tarball that is not one.

async function tgz(entries: Array<{ name: string; body: string; mode?: number }>): Promise<string> {
  const p = pack();
  for (const e of entries) p.entry({ name: e.name, mode: e.mode ?? 0o644 }, e.body);
  p.finalize();
  const parts: Buffer[] = [];
  for await (const chunk of p) parts.push(chunk as Buffer);
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'ccbox-tar-')), 'p.tgz');
  writeFileSync(file, gzipSync(Buffer.concat(parts)));
  return file;
}

describe('npm tarballs', () => {
  const long = `package/${'deep/'.repeat(30)}claude`;

  it('extracts a file under a pax long name with its executable bit, and reads small files', async () => {
    const file = await tgz([
      { name: 'package/package.json', body: '{"name":"x"}' },
      { name: long, body: 'binary', mode: 0o755 },
    ]);
    const dest = path.join(path.dirname(file), 'claude');
    expect(await extractFromTarball(file, long, { destPath: dest })).toBe(dest);
    expect(readFileSync(dest, 'utf8')).toBe('binary');
    expect(statSync(dest).mode & 0o777).toBe(0o755);
    expect((await readFromTarball(file, './package/package.json')).toString()).toBe('{"name":"x"}');
  });

  it('refuses a missing entry, an entry over the limit and bytes that are no tarball', async () => {
    const file = await tgz([{ name: 'package/package.json', body: 'x'.repeat(100) }]);
    await expect(readFromTarball(file, 'package/nope')).rejects.toMatchObject({
      code: 'NPM_TARBALL_INVALID',
    });
    await expect(readFromTarball(file, 'package/package.json', 10)).rejects.toMatchObject({
      code: 'NPM_TARBALL_INVALID',
      message: expect.stringMatching(/over the 10 limit/) as string,
    });
    const junk = path.join(path.dirname(file), 'junk.tgz');
    writeFileSync(junk, gzipSync(Buffer.from('not a tar archive at all '.repeat(40))));
    await expect(readFromTarball(junk, 'package/package.json')).rejects.toMatchObject({
      code: 'NPM_TARBALL_INVALID',
    });
    writeFileSync(junk, 'not even gzip');
    await expect(extractFromTarball(junk, 'package/x')).rejects.toMatchObject({
      code: 'NPM_TARBALL_INVALID',
    });
  });
});
