/** The labels on every object ccbox creates: the vocabulary `ps` and `gc` find sessions by. */

/** Why labels: ownership of every object ccbox creates is recorded on the object itself, so `gc` finds
 * leftovers after a crash without any state file. */
export const LABEL_SESSION = 'dev.ccbox.session';
export const LABEL_ROLE = 'dev.ccbox.role';
export const LABEL_POLICY = 'dev.ccbox.policy';
/** `host:pid` of the ccbox process that owns the session: `ccbox gc` removes sessions whose owner is gone. */
export const LABEL_OWNER = 'dev.ccbox.owner';
/**
 * The worktree a session's agent writes (its real path). Why: two sessions must never share a working
 * tree, because one agent could swap a checked folder for a link while the other is being mounted.
 */
export const LABEL_WORKTREE = 'dev.ccbox.worktree';
/** Marks an image built by `ccbox image base`. */
export const LABEL_BASE = 'dev.ccbox.base';
/** What a ccbox-built image is (agent, agent-runtime, gate): `ccbox gc --images` finds them by it. */
export const LABEL_IMAGE = 'dev.ccbox.image';

export type Labels = Readonly<Record<string, string>>;

/** The roles of a session's objects. */
export type SessionRole = 'agent' | 'gate' | 'network' | 'shell' | 'verify';

/** Why one helper: the three ownership labels are spelled the same everywhere. */
export function sessionLabels(
  session: string,
  role: SessionRole,
  policyVersion: string,
): Record<string, string> {
  return { [LABEL_SESSION]: session, [LABEL_ROLE]: role, [LABEL_POLICY]: policyVersion };
}
