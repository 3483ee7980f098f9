import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ContainerHandle, Engine, EngineInfo, NetworkRef } from '../engine/engine.js';
import { LABEL_OWNER, LABEL_WORKTREE, sessionLabels } from '../engine/engine.js';
import type { HeaderCredential, SessionPlan } from '../policy/plan.js';
import type { PreparedWorkspace } from '../workspace/workspace.js';
import { ensureGateImage } from '../image/gate-image.js';
import { CcboxError } from '../errors.js';
import { ExitCodes } from '../exit-codes.js';
import { agentContainerSpec, RESOLV_CONF } from './agent-spec.js';
import { gitIdentity, PODMAN_ULIMITS } from './session-env.js';
import {
  agentGateEnv,
  handOverToGate,
  GATE_ALIAS,
  GATE_PORT,
  gateContainerSpec,
  stopGate,
  waitForGate,
  writeGateFiles,
} from './gate.js';
import { baseImageOf, caFileOf, caInImage } from './session-steps.js';
import { sessionAuditConfig } from './audit-context.js';
import type { SessionContext } from './session-context.js';

/**
 * Steps 6 and 7: the gate, and the agent container. The agent container is created while the gate
 * boots (it needs only the gate's address); it is started only after prepareSession returns, and that
 * waits for the gate to report ready.
 */

/** What the gate and container steps build on. */
export interface GateInputs {
  engine: Engine;
  info: EngineInfo;
  plan: SessionPlan;
  workspace: PreparedWorkspace;
  image: string;
  network: NetworkRef;
}

export interface RunningGate {
  container: ContainerHandle;
  /** The agent container being created; the container step awaits it. */
  agent: Promise<ContainerHandle>;
  address: string;
  auditDir: string;
  mode: string;
  allowed: number;
}

const GATE_READY_TIMEOUT_MS = 60_000;

const podmanUlimits = (info: EngineInfo): { ulimits?: typeof PODMAN_ULIMITS } =>
  info.kind === 'podman' ? { ulimits: PODMAN_ULIMITS } : {};

/** Creates (does not start) the agent container, registered for removal. */
async function createAgent(
  ctx: SessionContext,
  inp: GateInputs,
  gateAddress: string,
): Promise<ContainerHandle> {
  const { req } = ctx;
  const { worktree } = inp.workspace;
  const resolvConf = path.join(path.dirname(req.emptyDir), 'resolv.conf');
  writeFileSync(resolvConf, RESOLV_CONF, { mode: 0o644 });
  const spec = agentContainerSpec({
    session: ctx.id,
    plan: inp.plan,
    image: inp.image,
    worktree,
    worktreeMounts: inp.workspace.mounts,
    network: inp.network.name,
    command: req.command,
    tty: req.tty,
    hostEnv: req.hostEnv,
    caInImage: caInImage(ctx, inp.plan),
    gitIdentity: await gitIdentity(worktree.repository),
    ...podmanUlimits(inp.info),
    resolvConf,
    extraEnv: agentGateEnv(
      gateAddress,
      tokenTtlSeconds(ctx, inp.plan),
      inp.plan.credentials.model.source === 'oauth-token',
      ctx.secrets.some((s) => s.plan.deliver === 'header'),
    ),
    extraHosts: [`${GATE_ALIAS}:${gateAddress}`],
  });
  const c = await inp.engine.createContainer({
    ...spec,
    labels: {
      ...spec.labels,
      'dev.ccbox.role': req.role,
      [LABEL_OWNER]: req.owner,
      [LABEL_WORKTREE]: worktree.root,
    },
  });
  ctx.teardown.add(`container ${c.name}`, () => c.remove({ force: true }), { container: true });
  return c;
}

/**
 * How long the agent's model tokens live: the tier's `credentials.ttlMinutes`, or less when the host
 * asks for less (CCBOX_TOKEN_TTL_SECONDS, e.g. to test renewal). Why only less: a host setting can
 * make a tier stricter, never looser.
 */
function tokenTtlSeconds(ctx: SessionContext, plan: SessionPlan): number {
  const tier = plan.credentials.ttlMinutes * 60;
  return Math.min(tier, ctx.req.tokenTtlSeconds ?? tier);
}

/** The session's header credentials for the gate, each with its expiry from now (ms since the epoch). */
function headerCredentials(ctx: SessionContext): HeaderCredential[] {
  return ctx.secrets
    .filter((s) => s.plan.deliver === 'header')
    .map((s) => ({
      name: s.plan.name,
      value: s.value,
      header: s.plan.header?.name ?? 'Authorization',
      format: s.plan.header?.format ?? 'Bearer {value}',
      origins: s.plan.origins ?? [],
      ...(s.ttlSeconds !== undefined ? { expiresAt: ctx.now() + s.ttlSeconds * 1000 } : {}),
    }));
}

/** Why not root and not the agent's uid: the gate shares nothing with the agent; root is not needed. */
function gateUser(): { uid: number; gid: number } {
  const hostUid = process.getuid?.() ?? 0;
  return hostUid === 0 ? { uid: 65534, gid: 65534 } : { uid: hostUid, gid: process.getgid?.() ?? hostUid };
}

/** Step 6: the gate (image, files, container), started and ready; the agent container created meanwhile. */
export async function gateStep(ctx: SessionContext, inp: GateInputs): Promise<RunningGate> {
  const { req } = ctx;
  const { engine, info, plan, network } = inp;
  return ctx.step(
    'gate',
    'gate',
    async () => {
      const gateImage = await ensureGateImage(engine, {
        baseImage: baseImageOf(ctx, plan),
        binaries: ctx.deps.binaries,
        ...(req.signal ? { signal: req.signal } : {}),
        onProgress: (p) => ctx.emit({ type: 'step-progress', step: 'gate', text: p.text, at: ctx.now() }),
      });
      const user = gateUser();
      // Every credential the host read is digested too: the gate redacts it from any event.
      const values = [ctx.modelKey, ctx.oauthToken, ...ctx.secrets.map((s) => s.value)];
      ctx.audit = sessionAuditConfig(
        inp.workspace,
        plan,
        values.filter((v): v is string => v !== undefined),
      );
      const files = writeGateFiles(path.join(req.sessionsDir, ctx.id), plan, user, ctx.audit);
      const c = await engine.createContainer({
        ...gateContainerSpec({
          session: ctx.id,
          plan,
          image: gateImage.tag,
          internalNetwork: network.name,
          outboundNetwork: req.gateNetwork ?? (info.kind === 'podman' ? 'podman' : 'bridge'),
          files,
          user,
          relay: { upstream: req.modelUpstream, tokenTtlSeconds: tokenTtlSeconds(ctx, plan) },
          caFile: caFileOf(ctx, plan),
          ...podmanUlimits(info),
        }),
        labels: { ...sessionLabels(ctx.id, 'gate', plan.policyVersion), [LABEL_OWNER]: req.owner },
      });
      ctx.teardown.add(`gate ${c.name}`, () => stopGate(c), { container: true });
      await c.start();
      const address = (await c.inspect()).ipAddresses[network.name];
      if (!address)
        throw new CcboxError('the gate has no address on the session network', {
          code: 'GATE_NO_ADDRESS',
          exitCode: ExitCodes.sandboxFailed,
        });
      await handOverToGate(c, {
        modelKey: ctx.modelKey,
        oauthToken: ctx.oauthToken,
        credentials: headerCredentials(ctx),
        internalAddress: address,
      });
      const agent = createAgent(ctx, inp, address);
      agent.catch(() => undefined); // Awaited below or by the container step; never left unhandled.
      // Why 60 s: a gate that exits is noticed within 0.5 s; this only bounds one that hangs, and on a
      // loaded host (100 sessions starting on 2 cores) a healthy gate can take well over 15 s to boot.
      const health = await waitForGate(c, files, GATE_READY_TIMEOUT_MS, req.signal).catch(
        async (err: unknown) => {
          await agent.catch(() => undefined); // so its teardown entry exists before we unwind
          throw err;
        },
      );
      return {
        container: c,
        agent,
        address,
        auditDir: files.auditDir,
        mode: health.mode,
        allowed: health.allowedPatterns,
      };
    },
    (g) =>
      `${g.mode}, ${g.allowed} host pattern${g.allowed === 1 ? '' : 's'} allowed, at ${g.address}:${GATE_PORT}`,
  );
}

/** Step 7: the agent container, created (not started). */
export function containerStep(ctx: SessionContext, gate: RunningGate): Promise<ContainerHandle> {
  return ctx.step(
    'container',
    'container',
    () => gate.agent,
    (c) => c.name,
  );
}
