import path from 'node:path';
import type { GcResult, SessionSummary } from '../engine/engine.js';
import type { SessionEvent } from './events.js';
import { recoverWorkspace } from '../workspace/workspace.js';

/**
 * After `ccbox gc` removed a crashed session's containers: lands its agent's commits and neutralises what
 * it left, as the session would have. Why only then: before, the agent could still be writing. Returns
 * the events to show, per session.
 */
export async function recoverSessions(
  sessions: readonly SessionSummary[],
  result: GcResult,
  sessionsDir: string,
): Promise<Array<{ session: string; events: SessionEvent[] }>> {
  const out: Array<{ session: string; events: SessionEvent[] }> = [];
  const failed = new Set(result.failed.filter((f) => f.kind === 'container').map((f) => f.name));
  for (const s of sessions) {
    if (!s.worktree || !result.sessions.includes(s.id) || s.containers.some((c) => failed.has(c.name)))
      continue;
    const r = await recoverWorkspace(s.worktree, s.id, path.join(sessionsDir, s.id, 'quarantine'));
    if (!r) continue;
    const at = Date.now();
    out.push({
      session: s.id,
      events: [
        { type: 'landed', git: r.git, at },
        ...r.leftovers.map((leftover): SessionEvent => ({ type: 'leftover', leftover, at })),
        ...r.controlChanges.map((p): SessionEvent => ({ type: 'control-changed', path: p, at })),
        ...r.warnings.map((text): SessionEvent => ({ type: 'warning', text, at })),
      ],
    });
  }
  return out;
}
