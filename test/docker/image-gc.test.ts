// `ccbox gc --images` at the engine: ccbox-built images no container uses are removed, an image a
// (stopped) container was created from is kept, and nothing without the label is touched. The test
// images carry a kind of their own, so the suite's real agent and gate images are never at risk.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testLabels } from './testbed/run.js';
import { connectEngine } from '../../src/docker/index.js';
import { LABEL_IMAGE, sessionLabels, type Engine } from '../../src/engine/engine.js';
import { removeUnusedImages } from '../../src/session/image-gc.js';

const BASE = 'ccbox-test/base:bookworm';
const RUN = randomBytes(4).toString('hex');
const KIND = `gc-test-${RUN}`;
const UNUSED = `ccbox-test/gc-unused:${RUN}`;
const USED = `ccbox-test/gc-used:${RUN}`;
const SESSION = `test-imagegc-${RUN}`;
let engine: Engine;

async function build(tag: string): Promise<void> {
  await engine.buildImage({
    tag,
    // A label per tag makes two distinct images.
    context: [{ path: 'Dockerfile', content: `FROM ${BASE}\nLABEL dev.ccbox.test.tag="${tag}"\n` }],
    labels: { [LABEL_IMAGE]: KIND, ...testLabels() },
  });
}

beforeAll(async () => {
  engine = await connectEngine(process.env.DOCKER_HOST ? { host: process.env.DOCKER_HOST } : {});
  if (!(await engine.imageExists(BASE))) throw new Error(`${BASE} is missing: run \`bash .ci/run\``);
  await build(UNUSED);
  await build(USED);
  await engine.createContainer({
    name: `ccbox-${SESSION}-agent`,
    image: USED,
    cmd: ['true'],
    labels: { ...sessionLabels(SESSION, 'agent', 'policy-v1'), ...testLabels() },
  });
}, 120_000);

afterAll(async () => {
  await engine.gc({ sessions: [SESSION] });
  await engine.removeImage(USED, { force: true });
  await engine.removeImage(UNUSED, { force: true });
});

describe('removing unused ccbox images', () => {
  it('lists labelled images with whether a container uses them', async () => {
    const listed = await engine.listImages(`${LABEL_IMAGE}=${KIND}`);
    const byTag = new Map(listed.map((i) => [i.tags[0], i]));
    expect([...byTag.keys()].sort()).toEqual([USED, UNUSED].sort());
    expect(byTag.get(USED)?.inUse).toBe(true);
    expect(byTag.get(UNUSED)?.inUse).toBe(false);
    expect(byTag.get(UNUSED)?.sizeBytes).toBeGreaterThan(0);
  });

  it('removes the unused one, keeps the one a stopped container holds, and leaves the base alone', async () => {
    const result = await removeUnusedImages(engine, [KIND]);
    expect(result.removed.map((r) => r.name)).toEqual([UNUSED]);
    expect(result.inUse).toEqual([USED]);
    expect(result.failed).toEqual([]);
    expect(await engine.imageExists(UNUSED)).toBe(false);
    expect(await engine.imageExists(USED)).toBe(true);
    expect(await engine.imageExists(BASE)).toBe(true);
  });

  it('lets the image go once its session is gone', async () => {
    await engine.gc({ sessions: [SESSION] });
    const result = await removeUnusedImages(engine, [KIND]);
    expect(result.removed.map((r) => r.name)).toEqual([USED]);
    expect(await engine.imageExists(USED)).toBe(false);
  });
});
