import { CcboxError } from '../errors.js';
import { ExitCodes } from '../exit-codes.js';
import type { SessionSummary } from '../engine/engine.js';
import type { SessionEventSink } from './events.js';
import type { WorkspaceReport } from '../workspace/workspace.js';

/** The end of a session at the workspace boundary, as events the UI and the JSON outcome show. */
export function reportWorkspace(r: WorkspaceReport, emit: SessionEventSink, now: () => number): void {
  emit({ type: 'landed', git: r.git, at: now() });
  for (const leftover of r.leftovers) emit({ type: 'leftover', leftover, at: now() });
  for (const p of r.controlChanges) emit({ type: 'control-changed', path: p, at: now() });
  for (const text of r.warnings) emit({ type: 'warning', text, at: now() });
}

/**
 * Why refuse: another agent writing the same working tree could swap a folder ccbox just checked for a
 * link before the engine binds it, and the bind would follow that link onto the host. A container left by
 * a crashed ccbox counts too until `ccbox gc` removes it (it may still be running).
 */
export function refuseSharedWorktree(sessions: readonly SessionSummary[], root: string): void {
  const other = sessions.find((s) => s.worktree === root && s.containers.length > 0);
  if (!other) return;
  throw new CcboxError(`another ccbox session (${other.id}) is using ${root}`, {
    code: 'WORKTREE_IN_USE',
    exitCode: ExitCodes.invalidInput,
    hint: `wait for it to end, start this one with --worktree, or run \`ccbox gc\` if a crashed ccbox left it (${other.orphaned ? 'nothing of it is running' : 'it is running'})`,
  });
}
