import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Engine, EngineInfo, NetworkRef } from '../engine/engine.js';
import { LABEL_OWNER, sessionLabels } from '../engine/engine.js';
import type { SessionPlan } from '../policy/plan.js';
import { formatIssue } from '../profile/issues.js';
import { prepareWorkspace, type PreparedWorkspace, type Worktree } from '../workspace/workspace.js';
import { CA_IN_IMAGE, ensureAgentImage, type AgentImage } from '../image/agent-image.js';
import { DEFAULT_BASE_IMAGE } from '../image/base-image.js';
import { loadPlan } from './plan-cache.js';
import { createSessionNetwork } from './session-network.js';
import { refuseSharedWorktree, reportWorkspace } from './session-workspace.js';
import { resolveModelKey } from '../credentials/model-key.js';
import { OAUTH_MODE_WARNING, resolveOAuthToken } from '../credentials/oauth-token.js';
import { resolveSecrets } from '../credentials/secrets.js';
import { warn, type SessionContext } from './session-context.js';

/**
 * The first five steps of a session's start, one function each: profile, worktree, engine, image,
 * network. Each reports itself through ctx.step and registers on ctx.teardown whatever it created, so
 * a later failure (or the session's end) removes it again.
 */

/** The base image the agent and the gate images are built on: the request's, the profile's, or ccbox's. */
export const baseImageOf = (ctx: SessionContext, plan: SessionPlan): string =>
  ctx.req.baseImage ?? plan.image.base ?? DEFAULT_BASE_IMAGE;

/** Step 1: the profile, compiled to a plan (cached by the profile files' bytes). */
export async function profileStep(ctx: SessionContext): Promise<SessionPlan> {
  const { req } = ctx;
  const plan = await ctx.step(
    'profile',
    'profile',
    async () => {
      const loaded = await loadPlan(req.profileRef, req.loadOptions, req.planCacheDir, req.version);
      for (const w of loaded.warnings) warn(ctx, formatIssue(w));
      return loaded.plan;
    },
    (p) => `${p.profile.name} (policy ${p.policyVersion})`,
  );
  // Why here: a missing or unreadable model key is bad input, refused before anything is created.
  const keyContext = {
    hostEnv: req.hostEnv,
    home: req.home,
    required: req.role === 'agent',
    signal: req.signal,
  };
  ctx.modelKey = await resolveModelKey(plan.credentials, keyContext);
  ctx.oauthToken = await resolveOAuthToken(plan.credentials, keyContext);
  ctx.secrets = await resolveSecrets(plan.credentials, keyContext, req.tokenTtlSeconds);
  if (plan.credentials.model.source === 'oauth-token') warn(ctx, OAUTH_MODE_WARNING);
  return plan;
}

/** Step 2: the worktree checked and its mounts planned; the session git dir made. */
export async function worktreeStep(ctx: SessionContext, plan: SessionPlan): Promise<PreparedWorkspace> {
  const { req } = ctx;
  return ctx.step(
    'worktree',
    'worktree',
    async () => {
      mkdirSync(req.emptyDir, { recursive: true, mode: 0o755 });
      const ws = await prepareWorkspace({
        cwd: req.cwd,
        home: req.home,
        session: ctx.id,
        worktreeMode: req.worktreeMode,
        plan: plan.container,
        worktreesDir: req.worktreesDir,
        sessionDir: path.join(req.sessionsDir, ctx.id),
        sources: { emptyDir: req.emptyDir, emptyFile: '/dev/null' },
        signal: req.signal,
      });
      // Why registered first (Teardown runs containers first, the rest newest first, so this runs
      // last): landing reads what the agent wrote, so the agent must be gone; if its removal
      // failed, finish keeps everything and says so.
      ctx.teardown.add('session git dir', async () => {
        // Never started: the agent wrote nothing, and a refused session must not touch another's tree.
        if (!ctx.started) return ws.abandon();
        reportWorkspace(await ws.finish(ctx.teardown.containersGone), ctx.emit, ctx.now);
      });
      for (const w of ws.warnings) warn(ctx, w);
      return ws;
    },
    (w) =>
      `${w.worktree.root} (uid ${w.worktree.uid}${w.clone ? `, branch ${w.clone.branch}` : ''}; ${w.plan.readOnly.length} read-only, ${w.plan.masked.length} masked)`,
  );
}

/** Step 3: the engine, and the refusal of a second session on the same worktree. */
export async function engineStep(
  ctx: SessionContext,
  worktree: Worktree,
): Promise<{ engine: Engine; info: EngineInfo }> {
  return ctx.step(
    'engine',
    'engine',
    async () => {
      const engine = await ctx.deps.connect();
      const [info, sessions] = await Promise.all([engine.info(), engine.listSessions()]);
      refuseSharedWorktree(sessions, worktree.root);
      return { engine, info };
    },
    (r) => `${r.info.kind} ${r.info.version}`,
  );
}

/** The CA bundle baked into the agent image, if any: the request's, else the profile's. */
export const caFileOf = (ctx: SessionContext, plan: SessionPlan): string | undefined =>
  ctx.req.caFile ?? plan.image.extraCaCerts;

/** Step 4: the agent image (content-hash tagged: an unchanged plan builds nothing). */
export async function imageStep(
  ctx: SessionContext,
  engine: Engine,
  plan: SessionPlan,
  worktree: Worktree,
): Promise<AgentImage> {
  const { req } = ctx;
  return ctx.step(
    'image',
    'image',
    () =>
      ensureAgentImage(engine, {
        plan,
        baseImage: baseImageOf(ctx, plan),
        uid: worktree.uid,
        gid: worktree.gid,
        caFile: caFileOf(ctx, plan),
        binaries: ctx.deps.binaries,
        ...(req.signal ? { signal: req.signal } : {}),
        onProgress: (p) => ctx.emit({ type: 'step-progress', step: 'image', text: p.text, at: ctx.now() }),
      }),
    (i) =>
      `${i.tag} (${i.built.agent || i.built.runtime ? `built${i.built.runtime ? ' runtime and agent' : ''}` : 'cached'})`,
  );
}

/** Step 5: the session's internal network (no route out: only the gate is on both sides). */
export async function networkStep(
  ctx: SessionContext,
  engine: Engine,
  plan: SessionPlan,
): Promise<NetworkRef> {
  return ctx.step(
    'network',
    'network',
    async () => {
      const n = await createSessionNetwork(engine, ctx.req.subnets, {
        name: `ccbox-${ctx.id}-int`,
        internal: true,
        labels: { ...sessionLabels(ctx.id, 'network', plan.policyVersion), [LABEL_OWNER]: ctx.req.owner },
      });
      ctx.teardown.add(`network ${n.name}`, () => engine.removeNetwork(n.id));
      return n;
    },
    (n) => `${n.name} (internal${n.subnet ? `, ${n.subnet}` : ''})`,
  );
}

/** CA_IN_IMAGE when the image step baked a CA bundle in. */
export const caInImage = (ctx: SessionContext, plan: SessionPlan): string | undefined =>
  caFileOf(ctx, plan) !== undefined ? CA_IN_IMAGE : undefined;
