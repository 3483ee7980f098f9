// Images against the real engine: builds never pull, failures name the failing step, imports keep modes.
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, symlink, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testLabels } from './testbed/run.js';
import { connectEngine } from '../../src/docker/index.js';
import { CcboxError } from '../../src/errors.js';
import { ExitCodes } from '../../src/exit-codes.js';
import type { BuildProgress, Engine } from '../../src/engine/engine.js';

const BASE = 'ccbox-test/base:bookworm';
const RUN = randomBytes(4).toString('hex');
const SESSION = `test-img-${RUN}`;
const TEST_LABELS = testLabels();
const images: string[] = [];
const dirs: string[] = [];
let engine: Engine;

const dockerfile = (text: string): { path: string; content: string } => ({
  path: 'Dockerfile',
  content: text,
});

async function runOnce(
  image: string,
  cmd: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const c = await engine.createContainer({
    name: `ccbox-test-img-${RUN}-${randomBytes(3).toString('hex')}`,
    image,
    cmd,
    labels: { ...TEST_LABELS, 'dev.ccbox.session': SESSION, 'dev.ccbox.role': 'verify' },
  });
  try {
    await c.start();
    const code = await c.wait();
    return { code, ...(await c.logs()) };
  } finally {
    await c.remove({ force: true });
  }
}

beforeAll(async () => {
  engine = await connectEngine(process.env.DOCKER_HOST ? { host: process.env.DOCKER_HOST } : {});
  if (!(await engine.imageExists(BASE))) {
    throw new Error(`${BASE} is missing: run \`bash .ci/run\` or import a debootstrap rootfs under that tag`);
  }
});

afterAll(async () => {
  for (const image of images) await engine.removeImage(image, { force: true }).catch(() => undefined);
  await engine.gc({ sessions: [SESSION] });
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('engine info', () => {
  it('identifies the engine', async () => {
    const info = await engine.info();
    expect(['docker', 'podman']).toContain(info.kind);
    expect(info.apiVersion).toMatch(/^\d+\.\d+$/);
    expect(info.os).toBe('linux');
  });
});

describe('buildImage', () => {
  it('builds from the local base with inline and host-file context entries, args and labels', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'ccbox-ctx-'));
    dirs.push(dir);
    await writeFile(path.join(dir, 'tool.sh'), '#!/bin/sh\necho tool ran\n');
    const tag = `ccbox-test/engine-ok:${RUN}`;
    images.push(tag);
    const events: BuildProgress[] = [];
    const { imageId } = await engine.buildImage({
      tag,
      context: [
        dockerfile(
          `FROM ${BASE}\nARG GREETING\nCOPY hello.txt /hello.txt\nCOPY tool.sh /usr/local/bin/tool\nRUN echo "$GREETING" > /greeting\n`,
        ),
        { path: 'hello.txt', content: 'hello from the context\n' },
        { path: 'tool.sh', hostPath: path.join(dir, 'tool.sh'), mode: 0o755 },
      ],
      buildArgs: { GREETING: 'hi there' },
      labels: { ...TEST_LABELS, 'dev.ccbox.tier': 'test' },
      onProgress: (e) => events.push(e),
    });
    expect(imageId).toMatch(/^sha256:/);
    const steps = events.filter((e) => e.kind === 'step').map((e) => e.text);
    expect(steps[0]).toMatch(/^Step 1\/\d+ ?: FROM ccbox-test\/base:bookworm$/i);
    expect(steps).toContainEqual(expect.stringMatching(/ : RUN echo "\$GREETING" > \/greeting$/));
    const image = await engine.inspectImage(tag);
    expect(image?.labels).toMatchObject({ 'dev.ccbox.tier': 'test', 'dev.ccbox.test': '1' });
    const out = await runOnce(tag, ['sh', '-c', 'cat /hello.txt /greeting && tool']);
    expect(out).toMatchObject({ code: 0, stdout: 'hello from the context\nhi there\ntool ran\n' });
  }, 180_000);

  it('fails a build whose RUN fails, naming the step and showing its output', async () => {
    const tag = `ccbox-test/engine-fail:${RUN}`;
    images.push(tag);
    const error = await engine
      .buildImage({
        tag,
        // No step succeeds before the failing one, so the builder leaves no intermediate image behind.
        context: [
          dockerfile(`FROM ${BASE}\nRUN n=41; echo "stderr-says-$((n+1))" >&2; exit 3\nRUN echo never\n`),
        ],
        labels: TEST_LABELS,
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CcboxError);
    const e = error as CcboxError;
    expect(e.exitCode).toBe(ExitCodes.imageBuildFailed);
    expect(e.message).toMatch(/Step 2\/\d+ ?: RUN n=41; echo/i);
    expect(e.message).toMatch(/non-zero code: 3/);
    // The output line, not the step line: only the RUN's stderr contains the computed value.
    expect(e.details).toContain('stderr-says-42');
    expect(await engine.imageExists(tag)).toBe(false);
  }, 180_000);

  it.each([
    ['FROM', `FROM ccbox-test/absent-${RUN}:v1\nRUN true\n`, {}],
    ['FROM with a build arg', `ARG B\nFROM \${B}\n`, { B: `ccbox-test/absent-${RUN}:v2` }],
    ['COPY --from', `FROM ${BASE}\nCOPY --from=ccbox-test/absent-${RUN}:v3 /x /x\n`, {}],
  ])('refuses a missing %s image before the engine could pull it', async (_what, text, buildArgs) => {
    const events: BuildProgress[] = [];
    const error = await engine
      .buildImage({
        tag: `ccbox-test/engine-nopull:${RUN}`,
        context: [dockerfile(text)],
        buildArgs,
        onProgress: (ev) => events.push(ev),
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CcboxError);
    expect((error as CcboxError).code).toBe('BASE_IMAGE_MISSING');
    expect((error as CcboxError).exitCode).toBe(ExitCodes.imageBuildFailed);
    // No step ran: the build request itself was never sent.
    expect(events.map((ev) => ev.kind)).toEqual(['pull-blocked']);
  });
});

describe('importRootfs', () => {
  it('imports a directory keeping modes, ownership and symlinks, with labels', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'ccbox-rootfs-'));
    dirs.push(root);
    await mkdir(path.join(root, 'data/sticky'), { recursive: true });
    await chmod(path.join(root, 'data/sticky'), 0o1777);
    await writeFile(path.join(root, 'data/setuid'), 'x');
    await chmod(path.join(root, 'data/setuid'), 0o4755);
    await writeFile(path.join(root, 'data/private'), 'secret-ish');
    await chmod(path.join(root, 'data/private'), 0o600);
    await symlink('private', path.join(root, 'data/link'));
    const importTag = `ccbox-test/engine-import:${RUN}`;
    images.push(importTag);
    await engine.importRootfs({
      source: { directory: root },
      tag: importTag,
      labels: { ...TEST_LABELS, 'dev.ccbox.base': '1' },
    });
    expect((await engine.inspectImage(importTag))?.labels).toMatchObject({ 'dev.ccbox.base': '1' });

    // The imported image has no shell; look at it from an image built on the base.
    const viewTag = `ccbox-test/engine-import-view:${RUN}`;
    images.push(viewTag);
    await engine.buildImage({
      tag: viewTag,
      context: [dockerfile(`FROM ${BASE}\nCOPY --from=${importTag} /data /imported\n`)],
      labels: TEST_LABELS,
    });
    const out = await runOnce(viewTag, [
      'sh',
      '-c',
      'stat -c "%n %a %U" /imported/sticky /imported/setuid /imported/private && readlink /imported/link',
    ]);
    expect(out.stdout).toBe(
      '/imported/sticky 1777 root\n/imported/setuid 4755 root\n/imported/private 600 root\nprivate\n',
    );
  }, 180_000);
});
