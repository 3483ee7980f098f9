import path from 'node:path';
import { sessionContext } from './session-context.js';
import { engineStep, imageStep, networkStep, profileStep, worktreeStep } from './session-steps.js';
import { containerStep, gateStep } from './gate-step.js';
import { deliverCredentialFiles } from './credential-files.js';

export type { PreparedSession, SessionDeps, SessionRequest } from './session-types.js';
import type { PreparedSession, SessionDeps, SessionRequest } from './session-types.js';
export { newSessionId } from './session-context.js';

/**
 * Brings a session up to a created (not yet started) agent container, one step at a time, each
 * reported: profile → worktree → engine → image → network → gate → container. Bad input fails before
 * anything is created; a later failure removes whatever the earlier steps registered, then rethrows.
 */
export async function prepareSession(req: SessionRequest, deps: SessionDeps): Promise<PreparedSession> {
  const ctx = sessionContext(req, deps);
  const dispose = (): Promise<string[]> => ctx.teardown.run();
  try {
    const plan = await profileStep(ctx);
    const workspace = await worktreeStep(ctx, plan);
    const { engine, info } = await engineStep(ctx, workspace.worktree);
    const image = await imageStep(ctx, engine, plan, workspace.worktree);
    const network = await networkStep(ctx, engine, plan);
    const gate = await gateStep(ctx, { engine, info, plan, workspace, image: image.tag, network });
    const container = await containerStep(ctx, gate);

    ctx.emit({
      type: 'ready',
      session: ctx.id,
      policyVersion: plan.policyVersion,
      profile: plan.profile.name,
      image: image.tag,
      worktree: workspace.worktree.root,
      at: ctx.now(),
    });
    return {
      id: ctx.id,
      plan,
      worktree: workspace.worktree,
      clone: workspace.clone,
      image: image.tag,
      network,
      container,
      start: async () => {
        ctx.started = true;
        await container.start();
        await deliverCredentialFiles(ctx, container, gate.auditDir, plan);
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
