// The Debian base image: debootstrap from the host's mirror into the engine, no registry; the temporary
// rootfs is always removed, also when the build is cancelled half-way (with proc mounted inside it).
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testLabels } from './testbed/run.js';
import { connectEngine } from '../../src/docker/index.js';
import { CcboxError } from '../../src/errors.js';
import { ExitCodes } from '../../src/exit-codes.js';
import { buildBaseImage, DEFAULT_BASE_IMAGE } from '../../src/image/base-image.js';
import { findDebianMirror } from '../../src/image/debian-mirror.js';
import type { Engine } from '../../src/engine/engine.js';

const RUN = randomBytes(4).toString('hex');
const TAG = `ccbox-test/base-built:${RUN}`;
const SESSION = `test-base-${RUN}`;
const canDebootstrap = process.getuid?.() === 0 && existsSync('/usr/sbin/debootstrap');
let engine: Engine;
let workDir: string;

async function mountsUnder(dir: string): Promise<string[]> {
  const info = await readFile('/proc/self/mountinfo', 'utf8');
  return info
    .split('\n')
    .map((l) => l.split(' ')[4] ?? '')
    .filter((mp) => mp.startsWith(dir));
}

beforeAll(async () => {
  engine = await connectEngine(process.env.DOCKER_HOST ? { host: process.env.DOCKER_HOST } : {});
  workDir = await mkdtemp(path.join(tmpdir(), 'ccbox-basework-'));
});

afterAll(async () => {
  await engine.removeImage(TAG, { force: true });
  await engine.gc({ sessions: [SESSION] });
  await rm(workDir, { recursive: true, force: true });
});

describe('buildBaseImage preconditions', () => {
  it('exports the default tag', () => {
    expect(DEFAULT_BASE_IMAGE).toBe('ccbox/base:bookworm');
  });

  it('refuses to run without root, with a hint', async () => {
    const error = await buildBaseImage({
      engine,
      mirror: 'http://deb.debian.org/debian',
      uid: 1000,
      workDir,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CcboxError);
    expect((error as CcboxError).code).toBe('BASE_NEEDS_ROOT');
    expect((error as CcboxError).hint).toMatch(/sudo/);
    expect(await readdir(workDir)).toEqual([]);
  });

  it('says how to install debootstrap when it is missing, and leaves no temporary directory', async () => {
    const error = await buildBaseImage({
      engine,
      mirror: 'http://deb.debian.org/debian',
      uid: 0,
      debootstrap: '/nonexistent/debootstrap',
      workDir,
    }).catch((e: unknown) => e);
    expect((error as CcboxError).code).toBe('DEBOOTSTRAP_MISSING');
    expect((error as CcboxError).exitCode).toBe(ExitCodes.imageBuildFailed);
    expect((error as CcboxError).hint).toMatch(/apt-get install debootstrap/);
    expect(await readdir(workDir)).toEqual([]);
  });

  it('rejects a suite or mirror that is not one', async () => {
    await expect(
      buildBaseImage({ engine, mirror: 'http://x', suite: '--foreign', uid: 0, workDir }),
    ).rejects.toThrow(/Not a Debian suite/);
    await expect(buildBaseImage({ engine, mirror: '--keyring=/x', uid: 0, workDir })).rejects.toThrow(
      /mirror/,
    );
  });
});

describe.runIf(canDebootstrap)('buildBaseImage with debootstrap', () => {
  it('cancels mid-install: kills debootstrap, unmounts and removes the rootfs', async () => {
    const { mirror } = await findDebianMirror({ suite: 'bookworm' });
    const controller = new AbortController();
    const error = await buildBaseImage({
      engine,
      mirror,
      tag: TAG,
      workDir,
      signal: controller.signal,
      // Second stage: proc is mounted inside the target now.
      onLog: (line) => {
        if (/^I: (Unpacking|Configuring) /.test(line)) controller.abort();
      },
    }).catch((e: unknown) => e);
    expect((error as CcboxError).code).toBe('ABORTED');
    expect(await mountsUnder(workDir)).toEqual([]);
    expect(await readdir(workDir)).toEqual([]);
    expect(await engine.imageExists(TAG)).toBe(false);
  }, 300_000);

  it('builds a labelled minbase image from the host mirror, without host identity or apt caches', async () => {
    const { mirror } = await findDebianMirror({ suite: 'bookworm' });
    const lines: string[] = [];
    const { imageId } = await buildBaseImage({
      engine,
      mirror,
      tag: TAG,
      workDir,
      onLog: (l) => lines.push(l),
    });
    expect(imageId).toMatch(/^sha256:/);
    expect(lines[0]).toMatch(/^debootstrap --variant=minbase --keyring=\S+ --force-check-gpg bookworm /);
    expect(await readdir(workDir)).toEqual([]);
    expect((await engine.inspectImage(TAG))?.labels).toMatchObject({
      'dev.ccbox.base': '1',
      'dev.ccbox.base.suite': 'bookworm',
      // The Release file debootstrap verified against the Debian archive keyring.
      'dev.ccbox.base.release-sha256': expect.stringMatching(/^[0-9a-f]{64}$/) as unknown,
    });
    expect(lines.some((l) => /Valid Release signature/.test(l))).toBe(true);

    const c = await engine.createContainer({
      name: `ccbox-test-base-${RUN}`,
      image: TAG,
      cmd: [
        'sh',
        '-c',
        '. /etc/os-release; echo "$VERSION_CODENAME"; stat -c %a /tmp /; ls /var/cache/apt/archives | grep -c deb$; echo "path=$PATH"',
      ],
      labels: { 'dev.ccbox.session': SESSION, ...testLabels() },
    });
    await c.start();
    expect(await c.wait()).toBe(0);
    const { stdout } = await c.logs();
    expect(stdout).toBe(
      'bookworm\n1777\n755\n0\npath=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n',
    );
    await c.remove();
  }, 600_000);
});
