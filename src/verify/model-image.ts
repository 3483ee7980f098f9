import { LABEL_IMAGE, type Engine } from '../engine/engine.js';
import { contentHash } from '../common/canonical.js';
import { requireBaseImage } from '../image/base-check.js';
import { ensureGateNode, type BinarySource } from '../image/binaries.js';
import { distFiles } from '../image/dist-files.js';
import { DEFAULT_GATE_NODE_VERSION } from '../image/npm-platform.js';

// Why the gate's Node and base: verify needs no image beyond what a session already uses, and no registry.
const DOCKERFILE = [
  'ARG BASE_IMAGE',
  'FROM ${BASE_IMAGE}',
  'COPY node /usr/local/bin/node',
  'COPY model/ /opt/model/',
  'USER 65534:65534',
  '',
].join('\n');

/** Makes sure the scripted model's image exists; its tag hashes the base, the Node pin and the code. */
export async function ensureVerifyModelImage(
  engine: Engine,
  req: { baseImage: string; binaries: BinarySource; signal?: AbortSignal },
): Promise<string> {
  const base = await requireBaseImage(engine, req.baseImage);
  const files = distFiles(['src/verify/scripted-model'], '', 'scripted model').map((f) => ({
    path: f.path.replace('src/verify/scripted-model/', 'model/'),
    content: f.content,
  }));
  const nodeId = `node-linux-${req.binaries.arch}@${DEFAULT_GATE_NODE_VERSION}`;
  const tag = `ccbox/verify-model:${contentHash({ dockerfile: DOCKERFILE, base: base.id, files, node: nodeId })}`;
  if (await engine.imageExists(tag)) return tag;
  const node = await ensureGateNode(req.binaries);
  await engine.buildImage({
    tag,
    context: [
      { path: 'Dockerfile', content: DOCKERFILE },
      { path: 'node', hostPath: node.path, mode: 0o755 },
      { path: 'model/package.json', content: '{"type":"module"}\n' },
      ...files,
    ],
    buildArgs: { BASE_IMAGE: req.baseImage },
    labels: { [LABEL_IMAGE]: 'verify-model' },
    ...(req.signal ? { signal: req.signal } : {}),
  });
  return tag;
}
