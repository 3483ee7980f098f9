import {
  linkSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
  copyFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  GenericContainer,
  getContainerRuntimeClient,
  ImageName,
  type StartedTestContainer,
  Wait,
} from 'testcontainers';
import { ensureGateNode } from '../../src/image/binaries.js';
import { contentHash } from '../../src/common/canonical.js';
import { packageRoot } from '../../src/paths.js';
import { CACHE_DIR } from './cli.js';
import { containerLogs, dockerEngine } from './testbed/engines.js';
import { FixtureContainer } from './testbed/fixture.js';
import { LABEL_TEST } from './testbed/labels.js';
import { testRun } from './testbed/run.js';

const MODEL_DIR = path.join(packageRoot(), 'dist/src/verify/scripted-model');

/**
 * An image with the pinned Node and the scripted Messages API (built from dist/), for tests. Built by
 * testcontainers from a context folder (the Node binary hard-linked in, not copied) once per content
 * hash; the tag is kept across runs, like the agent image.
 */
export async function ensureModelImage(baseImage = 'ccbox/base:bookworm'): Promise<string> {
  const node = await ensureGateNode({
    registry: 'https://registry.npmjs.org',
    cacheDir: CACHE_DIR,
    arch: os.arch(),
  });
  const files = readdirSync(MODEL_DIR).filter((f) => f.endsWith('.js'));
  const dockerfile = `FROM ${baseImage}\nLABEL ${LABEL_TEST}=1\nCOPY node /usr/local/bin/node\nCOPY model/ /opt/model/\nUSER 65534:65534\n`;
  const sources = files.map((f) => readFileSync(path.join(MODEL_DIR, f), 'utf8'));
  const tag = `ccbox-test/model:${contentHash({ dockerfile, sources, node: node.id })}`;
  const client = await getContainerRuntimeClient();
  if (await client.image.exists(ImageName.fromString(tag))) return tag;
  const context = mkdtempSync(path.join(CACHE_DIR, 'model-context-'));
  try {
    writeFileSync(path.join(context, 'Dockerfile'), dockerfile);
    try {
      linkSync(node.path, path.join(context, 'node'));
    } catch {
      copyFileSync(node.path, path.join(context, 'node'));
    }
    mkdirSync(path.join(context, 'model'));
    files.forEach((f, i) => writeFileSync(path.join(context, 'model', f), sources[i] ?? ''));
    await GenericContainer.fromDockerfile(context).build(tag, { deleteOnExit: false });
  } finally {
    rmSync(context, { recursive: true, force: true });
  }
  return tag;
}

/** A running scripted model: its container, its base URL, and its output so far. */
export interface ScriptedModelFixture {
  container: StartedTestContainer;
  url: string;
  logs(): Promise<{ stdout: string; stderr: string }>;
}

/**
 * Starts the scripted model on `network` (the run's outside network, or a session's internal one).
 * With `apiKey` it answers 401 to any other key, so a test sees which key reached it.
 */
export async function startModel(opts: {
  network: string;
  script: unknown;
  image: string;
  name: string;
  apiKey?: string;
}): Promise<ScriptedModelFixture> {
  const container = await new FixtureContainer(opts.image, testRun(), opts.name)
    .onlyOn(opts.network)
    .withCommand([
      '/bin/sh',
      '-c',
      'printf "%s" "$SCRIPT" > /tmp/script.json && exec node /opt/model/main.js /tmp/script.json 8080 0.0.0.0 "$@"',
      'model',
      ...(opts.apiKey ? [opts.apiKey] : []),
    ])
    .withEnvironment({ SCRIPT: JSON.stringify(opts.script) })
    .withReadOnlyRootfs()
    .withTmpFs({ '/tmp': 'rw' })
    .withDroppedCapabilities('ALL')
    .withWaitStrategy(Wait.forLogMessage('"listening"'))
    .start();
  const ip = container.getIpAddress(opts.network);
  const engine = await dockerEngine();
  return { container, url: `http://${ip}:8080`, logs: () => containerLogs(engine, container.getId()) };
}
