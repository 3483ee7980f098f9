import type { GitLanding, Leftover } from '../workspace/workspace.js';

/**
 * What a session reports while it comes up and runs. The UI (Ink, plain lines, JSON) consumes these and
 * nothing else: the core never imports the UI, and the UI never touches the engine.
 */
export type StepId =
  'profile' | 'worktree' | 'engine' | 'artifact' | 'image' | 'gate' | 'network' | 'container';

export type SessionEvent =
  | { type: 'step-start'; step: StepId; title: string; at: number }
  | { type: 'step-progress'; step: StepId; text: string; at: number }
  | { type: 'step-done'; step: StepId; title: string; detail?: string; at: number; ms: number }
  | { type: 'step-failed'; step: StepId; title: string; error: string; at: number; ms: number }
  | { type: 'warning'; text: string; at: number }
  | {
      type: 'ready';
      session: string;
      policyVersion: string;
      profile: string;
      image: string;
      worktree: string;
      at: number;
    }
  | { type: 'exited'; session: string; exitCode: number; at: number }
  | { type: 'cleaned'; session: string; removed: string[]; at: number }
  /** What became of the agent's commits (after its container is gone). */
  | { type: 'landed'; git: GitLanding; at: number }
  /** A `.git`, a link out of the worktree or a new control file the agent left, and what ccbox did. */
  | { type: 'leftover'; leftover: Leftover; at: number }
  /** A control path whose content changed during the session (a tripwire: they are read-only). */
  | { type: 'control-changed'; path: string; at: number };

export type SessionEventSink = (event: SessionEvent) => void;
