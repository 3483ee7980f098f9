import { readFileSync } from 'node:fs';
import path from 'node:path';
import { LABEL_IMAGE, type BuildProgress, type Engine } from '../engine/engine.js';
import { contentHash } from '../common/canonical.js';
import { packageRoot } from '../paths.js';
import { requireBaseImage } from './base-check.js';
import { ensureGateNode, type BinarySource } from './binaries.js';
import { DEFAULT_GATE_NODE_VERSION } from './npm-platform.js';
import { gatePackageFiles, gatePackages } from './gate-modules.js';
import { distFiles, type ContextFile } from './dist-files.js';

/** Compiled directories the gate needs, relative to the package's dist/ (their layout is kept). */
const GATE_DIRS = ['egress/src', 'src/policy/egress', 'src/policy/hook', 'src/common', 'src/audit'];
/** Single compiled files the gate needs beside those directories (the hook engine imports them). */
const GATE_FILES = ['src/policy/control-paths.js', 'src/policy/plan.js'];

function gateFiles(): ContextFile[] {
  return [
    { path: 'app/package.json', content: '{"type":"module"}\n' },
    ...distFiles(GATE_DIRS, 'app/', 'gate'),
    ...GATE_FILES.map((file) => ({
      path: `app/${file}`,
      content: readFileSync(path.join(packageRoot(), 'dist', file), 'utf8'),
    })),
  ];
}

/** Makes sure the gate image exists; its tag is a content hash of the base, the Node pin and the code. */
export async function ensureGateImage(
  engine: Engine,
  req: {
    baseImage: string;
    binaries: BinarySource;
    signal?: AbortSignal;
    onProgress?: (p: BuildProgress) => void;
  },
): Promise<{ tag: string; built: boolean }> {
  const base = await requireBaseImage(engine, req.baseImage);
  const dockerfile = readFileSync(path.join(packageRoot(), 'egress', 'Dockerfile'), 'utf8');
  const files = gateFiles();
  const packages = gatePackages(packageRoot());
  const nodeId = `node-linux-${req.binaries.arch}@${DEFAULT_GATE_NODE_VERSION}`;
  const tag = `ccbox/gate:${contentHash({
    dockerfile,
    base: base.id,
    files,
    node: nodeId,
    packages: packages.map((p) => `${p.name}@${p.version}`),
  })}`;
  if (await engine.imageExists(tag)) return { tag, built: false };
  const node = await ensureGateNode(req.binaries);
  await engine.buildImage({
    tag,
    context: [
      { path: 'Dockerfile', content: dockerfile },
      { path: 'node', hostPath: node.path, mode: 0o755 },
      ...files,
      ...gatePackageFiles(packages),
    ],
    buildArgs: { BASE_IMAGE: req.baseImage },
    labels: { [LABEL_IMAGE]: 'gate' },
    ...(req.signal ? { signal: req.signal } : {}),
    ...(req.onProgress ? { onProgress: req.onProgress } : {}),
  });
  return { tag, built: true };
}
