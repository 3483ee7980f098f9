import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ContainerHandle, Engine } from '../../src/engine/engine.js';
import { sessionLabels } from '../../src/engine/engine.js';
import { ensureGateNode } from '../../src/image/binaries.js';
import { contentHash } from '../../src/common/canonical.js';
import { packageRoot } from '../../src/paths.js';
import { CACHE_DIR } from './cli.js';

const MODEL_DIR = path.join(packageRoot(), 'dist/src/verify/scripted-model');

/** An image with the pinned Node and the scripted Messages API (built from dist/), for tests. */
export async function ensureModelImage(engine: Engine, baseImage = 'ccbox/base:bookworm'): Promise<string> {
  const node = await ensureGateNode({
    registry: 'https://registry.npmjs.org',
    cacheDir: CACHE_DIR,
    arch: os.arch(),
  });
  const files = readdirSync(MODEL_DIR).filter((f) => f.endsWith('.js'));
  const dockerfile = `FROM ${baseImage}\nCOPY node /usr/local/bin/node\nCOPY model/ /opt/model/\nUSER 65534:65534\n`;
  const sources = files.map((f) => readFileSync(path.join(MODEL_DIR, f), 'utf8'));
  const tag = `ccbox-test/model:${contentHash({ dockerfile, sources, node: node.id })}`;
  if (await engine.imageExists(tag)) return tag;
  await engine.buildImage({
    tag,
    context: [
      { path: 'Dockerfile', content: dockerfile },
      { path: 'node', hostPath: node.path, mode: 0o755 },
      ...files.map((f, i) => ({ path: `model/${f}`, content: sources[i] ?? '' })),
    ],
    labels: { 'dev.ccbox.test': '1' },
  });
  return tag;
}

/** Starts the scripted model on a network of a session; returns its container and base URL. */
export async function startModel(
  engine: Engine,
  opts: { session: string; network: string; script: unknown; image: string; apiKey?: string; name?: string },
): Promise<{ container: ContainerHandle; url: string }> {
  const script = JSON.stringify(opts.script);
  const container = await engine.createContainer({
    name: opts.name ?? `ccbox-${opts.session}-model`,
    image: opts.image,
    cmd: [
      '/bin/sh',
      '-c',
      'printf "%s" "$SCRIPT" > /tmp/script.json && exec node /opt/model/main.js /tmp/script.json 8080 0.0.0.0',
    ],
    env: { SCRIPT: script },
    labels: { ...sessionLabels(opts.session, 'verify', 'test'), 'dev.ccbox.test': '1' },
    network: { name: opts.network },
    readOnlyRootfs: true,
    mounts: [{ type: 'tmpfs', target: '/tmp' }],
    capDrop: ['ALL'],
  });
  await container.start();
  const ip = (await container.inspect()).ipAddresses[opts.network];
  if (!ip) throw new Error('model container has no address');
  // Wait until it listens.
  for (let i = 0; i < 50; i++) {
    const logs = await container.logs();
    if (logs.stdout.includes('listening')) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return { container, url: `http://${ip}:8080` };
}
