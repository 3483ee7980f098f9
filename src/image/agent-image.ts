import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { LABEL_IMAGE, type BuildProgress, type Engine } from '../engine/engine.js';
import type { SessionPlan } from '../policy/plan.js';
import { contentHash } from '../common/canonical.js';
import { CcboxError } from '../errors.js';
import { ExitCodes } from '../exit-codes.js';
import { packageRoot } from '../paths.js';
import { requireBaseImage } from './base-check.js';
import { claudeBinaryId, ensureClaudeBinary, type BinarySource } from './binaries.js';

export const CA_IN_IMAGE = '/usr/local/share/ca-certificates/ccbox/extra.crt';

export interface AgentImageRequest {
  plan: SessionPlan;
  baseImage: string;
  uid: number;
  gid: number;
  /** Host path of a PEM bundle to trust, or undefined. */
  caFile: string | undefined;
  binaries: BinarySource;
  signal?: AbortSignal;
  onProgress?: (p: BuildProgress) => void;
}

export interface AgentImage {
  tag: string;
  runtimeTag: string;
  /** Which of the two images had to be built this time. */
  built: { runtime: boolean; agent: boolean };
}

function readImageFile(name: string): string {
  return readFileSync(path.join(packageRoot(), 'images', 'agent', name), 'utf8');
}

function readCa(caFile: string | undefined): Buffer | undefined {
  if (caFile === undefined) return undefined;
  try {
    const pem = readFileSync(caFile);
    if (!pem.toString('utf8').includes('-----BEGIN CERTIFICATE-----'))
      throw new Error('no PEM certificate in it');
    return pem;
  } catch (cause) {
    throw new CcboxError(`cannot use the CA bundle ${caFile}: ${(cause as Error).message}`, {
      code: 'CA_INVALID',
      exitCode: ExitCodes.invalidInput,
      hint: 'pass a PEM file with --ca-file, tls.extraCaCerts or CCBOX_EXTRA_CA_CERTS',
      cause,
    });
  }
}

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/**
 * Makes sure the agent image for this plan and worktree owner exists. Tags are content hashes of
 * everything that goes in, so a second run with nothing changed builds nothing and fetches nothing.
 */
export async function ensureAgentImage(engine: Engine, req: AgentImageRequest): Promise<AgentImage> {
  const base = await requireBaseImage(engine, req.baseImage);
  const runtimeDockerfile = readImageFile('Dockerfile.runtime');
  const entry = readImageFile('ccbox-entry');
  const agentDockerfile = readImageFile('Dockerfile');
  const tokenHelper = readImageFile('ccbox-model-token');
  const oauthHelper = readImageFile('ccbox-oauth-token');
  const hookAdapter = readImageFile('ccbox-hook');
  const ca = readCa(req.caFile);
  const plan = req.plan;
  const claudeId = claudeBinaryId(plan.image.claudeCodeVersion, req.binaries.arch);

  const runtimeTag = `ccbox/agent-runtime:${contentHash({ runtimeDockerfile, entry, base: base.id, packages: plan.image.packages, claude: claudeId, ca: ca ? sha256(ca) : null })}`;
  const files = {
    'managed/managed-settings.json': `${JSON.stringify(plan.managedSettings, null, 2)}\n`,
    'managed/managed-mcp.json': `${JSON.stringify(plan.managedMcp, null, 2)}\n`,
    'ccbox/hook-policy.json': `${JSON.stringify(plan.hookPolicy, null, 2)}\n`,
    'ccbox/policy-version': `${plan.policyVersion}\n`,
  };
  const tier = plan.profile.name.replace(/[^a-z0-9-]/g, '-').slice(0, 40);
  const tag = `ccbox/agent:${tier}-${contentHash({ agentDockerfile, tokenHelper, oauthHelper, hookAdapter, runtimeTag, uid: req.uid, gid: req.gid, files })}`;

  const built = { runtime: false, agent: false };
  if (await engine.imageExists(tag)) return { tag, runtimeTag, built };

  if (!(await engine.imageExists(runtimeTag))) {
    const claude = await ensureClaudeBinary(plan.image.claudeCodeVersion, req.binaries);
    await engine.buildImage({
      tag: runtimeTag,
      context: [
        { path: 'Dockerfile', content: runtimeDockerfile },
        { path: 'claude', hostPath: claude.path, mode: 0o755 },
        { path: 'ccbox-entry', content: entry, mode: 0o755 },
        ...(ca ? [{ path: 'ca/extra.crt', content: ca }] : [{ path: 'ca/.keep', content: '' }]),
      ],
      buildArgs: { BASE_IMAGE: req.baseImage, EXTRA_PACKAGES: plan.image.packages.join(' ') },
      labels: { [LABEL_IMAGE]: 'agent-runtime', 'dev.ccbox.claude-code': plan.image.claudeCodeVersion },
      ...(req.signal ? { signal: req.signal } : {}),
      ...(req.onProgress ? { onProgress: req.onProgress } : {}),
    });
    built.runtime = true;
  }
  await engine.buildImage({
    tag,
    context: [
      { path: 'Dockerfile', content: agentDockerfile },
      // Mode in the context, not COPY --chmod: the classic builder (Docker 20.10) has no --chmod.
      { path: 'ccbox-model-token', content: tokenHelper, mode: 0o755 },
      { path: 'ccbox-oauth-token', content: oauthHelper, mode: 0o755 },
      { path: 'ccbox-hook', content: hookAdapter, mode: 0o755 },
      ...Object.entries(files).map(([p, content]) => ({ path: p, content })),
    ],
    buildArgs: { RUNTIME_IMAGE: runtimeTag, AGENT_UID: String(req.uid), AGENT_GID: String(req.gid) },
    labels: {
      [LABEL_IMAGE]: 'agent',
      'dev.ccbox.policy': plan.policyVersion,
      'dev.ccbox.profile': plan.profile.name,
    },
    ...(req.signal ? { signal: req.signal } : {}),
    ...(req.onProgress ? { onProgress: req.onProgress } : {}),
  });
  built.agent = true;
  return { tag, runtimeTag, built };
}
