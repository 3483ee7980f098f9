import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ContainerHandle } from './engine.js';
import { LABEL_OWNER, LABEL_WORKTREE, sessionLabels } from './engine.js';
import { stepRunner, Teardown } from './steps.js';
import { createSessionNetwork } from './session-network.js';
import { loadPlan } from './plan-cache.js';
import { formatIssue } from '../profile/issues.js';
import { prepareWorkspace } from '../workspace/workspace.js';
import { refuseSharedWorktree, reportWorkspace } from './session-workspace.js';
import { agentContainerSpec, RESOLV_CONF } from './agent-spec.js';
import { CA_IN_IMAGE, ensureAgentImage } from '../image/agent-image.js';
import { gitIdentity, modelKey, PODMAN_ULIMITS, requireModelKey } from './session-env.js';
import { CcboxError } from '../errors.js';
import { ExitCodes } from '../exit-codes.js';
import { ensureGateImage } from '../image/gate-image.js';
import {
  agentGateEnv,
  GATE_ALIAS,
  GATE_PORT,
  gateContainerSpec,
  waitForGate,
  stopGate,
  writeGateFiles,
} from './gate.js';

export type { PreparedSession, SessionDeps, SessionRequest } from './session-types.js';
import type { PreparedSession, SessionDeps, SessionRequest } from './session-types.js';

export const DEFAULT_BASE_IMAGE = 'ccbox/base:bookworm';

/** A new session id: short, random, safe in container and branch names. */
export function newSessionId(): string {
  return randomBytes(4).toString('hex');
}

/**
 * Brings a session up to a created (not yet started) agent container: profile → worktree → engine →
 * image → network → container, each step reported. Bad input fails before anything is created; a
 * later failure removes whatever was created before it rethrows.
 */
export async function prepareSession(req: SessionRequest, deps: SessionDeps): Promise<PreparedSession> {
  const now = deps.now ?? Date.now;
  const emit = deps.onEvent;
  const id = newSessionId();
  // Why random per session: the token only opens this session's relay and dies with it.
  const relayToken = `ccbox-${id}-${randomBytes(24).toString('hex')}`;
  const teardown = new Teardown((text) => emit({ type: 'warning', text, at: now() }));
  const step = stepRunner(emit, now);
  const dispose = (): Promise<string[]> => teardown.run();
  // Set when the agent container is asked to start: from then on the session git dir may hold work.
  let started = false;

  try {
    const plan = await step(
      'profile',
      'profile',
      async () => {
        const { plan: p, warnings } = await loadPlan(
          req.profileRef,
          req.loadOptions,
          req.planCacheDir,
          req.version,
        );
        for (const w of warnings) emit({ type: 'warning', text: formatIssue(w), at: now() });
        return p;
      },
      (p) => `${p.profile.name} (policy ${p.policyVersion})`,
    );
    requireModelKey(req, plan);

    const workspace = await step(
      'worktree',
      'worktree',
      async () => {
        mkdirSync(req.emptyDir, { recursive: true, mode: 0o755 });
        const ws = await prepareWorkspace({
          cwd: req.cwd,
          home: req.home,
          session: id,
          worktreeMode: req.worktreeMode,
          plan: plan.container,
          worktreesDir: req.worktreesDir,
          sessionDir: path.join(req.sessionsDir, id),
          sources: { emptyDir: req.emptyDir, emptyFile: '/dev/null' },
          signal: req.signal,
        });
        // Why after the containers (Teardown runs them first): landing reads what the agent wrote, so
        // the agent must be gone; if its removal failed, finish keeps everything and says so.
        teardown.add('session git dir', async () => {
          // Never started: the agent wrote nothing, and a refused session must not touch another's tree.
          if (!started) return ws.abandon();
          reportWorkspace(await ws.finish(teardown.containersGone), emit, now);
        });
        for (const w of ws.warnings) emit({ type: 'warning', text: w, at: now() });
        return ws;
      },
      (w) =>
        `${w.worktree.root} (uid ${w.worktree.uid}${w.clone ? `, branch ${w.clone.branch}` : ''}; ${w.plan.readOnly.length} read-only, ${w.plan.masked.length} masked)`,
    );
    const { worktree, clone } = workspace;

    const { engine, info } = await step(
      'engine',
      'engine',
      async () => {
        const e = await deps.connect();
        const [engineInfo, sessions] = await Promise.all([e.info(), e.listSessions()]);
        refuseSharedWorktree(sessions, worktree.root);
        return { engine: e, info: engineInfo };
      },
      (r) => `${r.info.kind} ${r.info.version}`,
    );

    const caFile = req.caFile ?? plan.image.extraCaCerts;
    const image = await step(
      'image',
      'image',
      () =>
        ensureAgentImage(engine, {
          plan,
          baseImage: req.baseImage ?? plan.image.base ?? DEFAULT_BASE_IMAGE,
          uid: worktree.uid,
          gid: worktree.gid,
          caFile,
          binaries: deps.binaries,
          ...(req.signal ? { signal: req.signal } : {}),
          onProgress: (p) => emit({ type: 'step-progress', step: 'image', text: p.text, at: now() }),
        }),
      (i) =>
        `${i.tag} (${i.built.agent || i.built.runtime ? `built${i.built.runtime ? ' runtime and agent' : ''}` : 'cached'})`,
    );

    const network = await step(
      'network',
      'network',
      async () => {
        const n = await createSessionNetwork(engine, req.subnets, {
          name: `ccbox-${id}-int`,
          internal: true,
          labels: { ...sessionLabels(id, 'network', plan.policyVersion), [LABEL_OWNER]: req.owner },
        });
        teardown.add(`network ${n.name}`, () => engine.removeNetwork(n.id));
        return n;
      },
      (n) => `${n.name} (internal${n.subnet ? `, ${n.subnet}` : ''})`,
    );

    // The agent container is created while the gate boots (it needs only the gate's address); it is
    // started only after prepareSession returns, and that waits for the gate to report ready.
    const createAgent = async (gateAddress: string): Promise<ContainerHandle> => {
      const resolvConf = path.join(path.dirname(req.emptyDir), 'resolv.conf');
      writeFileSync(resolvConf, RESOLV_CONF, { mode: 0o644 });
      const spec = agentContainerSpec({
        session: id,
        plan,
        image: image.tag,
        worktree,
        worktreeMounts: workspace.mounts,
        network: network.name,
        command: req.command,
        tty: req.tty,
        hostEnv: req.hostEnv,
        caInImage: caFile !== undefined ? CA_IN_IMAGE : undefined,
        gitIdentity: await gitIdentity(worktree.repository),
        ...(info.kind === 'podman' ? { ulimits: PODMAN_ULIMITS } : {}),
        resolvConf,
        extraEnv: agentGateEnv(gateAddress, relayToken),
        extraHosts: [`${GATE_ALIAS}:${gateAddress}`],
      });
      const c = await engine.createContainer({
        ...spec,
        labels: {
          ...spec.labels,
          'dev.ccbox.role': req.role,
          [LABEL_OWNER]: req.owner,
          [LABEL_WORKTREE]: worktree.root,
        },
      });
      teardown.add(`container ${c.name}`, () => c.remove({ force: true }), { container: true });
      return c;
    };

    const gate = await step(
      'gate',
      'gate',
      async () => {
        const gateImage = await ensureGateImage(engine, {
          baseImage: req.baseImage ?? plan.image.base ?? DEFAULT_BASE_IMAGE,
          binaries: deps.binaries,
          ...(req.signal ? { signal: req.signal } : {}),
          onProgress: (p) => emit({ type: 'step-progress', step: 'gate', text: p.text, at: now() }),
        });
        // Why not root and not the agent's uid: the gate shares nothing with the agent; root is not needed.
        const hostUid = process.getuid?.() ?? 0;
        const gateUser =
          hostUid === 0 ? { uid: 65534, gid: 65534 } : { uid: hostUid, gid: process.getgid?.() ?? hostUid };
        const files = writeGateFiles(path.join(req.sessionsDir, id), plan, gateUser);
        const c = await engine.createContainer({
          ...gateContainerSpec({
            session: id,
            plan,
            image: gateImage.tag,
            internalNetwork: network.name,
            outboundNetwork: req.gateNetwork ?? (info.kind === 'podman' ? 'podman' : 'bridge'),
            files,
            user: gateUser,
            relay: { token: relayToken, upstream: req.modelUpstream, apiKey: modelKey(plan, req.hostEnv) },
            ...(info.kind === 'podman' ? { ulimits: PODMAN_ULIMITS } : {}),
          }),
          labels: { ...sessionLabels(id, 'gate', plan.policyVersion), [LABEL_OWNER]: req.owner },
        });
        teardown.add(`gate ${c.name}`, () => stopGate(c), { container: true });
        await c.start();
        const address = (await c.inspect()).ipAddresses[network.name];
        if (!address)
          throw new CcboxError('the gate has no address on the session network', {
            code: 'GATE_NO_ADDRESS',
            exitCode: ExitCodes.sandboxFailed,
          });
        const agent = createAgent(address);
        agent.catch(() => undefined); // Awaited below or by the container step; never left unhandled.
        const health = await waitForGate(c, files, 15_000, req.signal).catch(async (err: unknown) => {
          await agent.catch(() => undefined); // so its teardown entry exists before we unwind
          throw err;
        });
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

    const container = await step(
      'container',
      'container',
      () => gate.agent,
      (c) => c.name,
    );

    emit({
      type: 'ready',
      session: id,
      policyVersion: plan.policyVersion,
      profile: plan.profile.name,
      image: image.tag,
      worktree: worktree.root,
      at: now(),
    });
    return {
      id,
      plan,
      worktree,
      clone,
      image: image.tag,
      network,
      container,
      start: async () => {
        started = true;
        await container.start();
      },
      gate: { container: gate.container, address: gate.address, auditDir: gate.auditDir, mode: gate.mode },
      dispose,
      [Symbol.asyncDispose]: async () => void (await dispose()),
    };
  } catch (err) {
    await dispose();
    throw err;
  }
}

/** The directory ccbox keeps state in, under the cache dir. */
export function stateDirs(
  cacheDir: string,
  stateDir = path.join(cacheDir, 'state'),
): { worktreesDir: string; emptyDir: string; sessionsDir: string } {
  return {
    worktreesDir: path.join(cacheDir, 'worktrees'),
    emptyDir: path.join(cacheDir, 'empty'),
    sessionsDir: path.join(stateDir, 'sessions'),
  };
}
