import type { SessionEvent, StepId } from '../session/events.js';
import type { Outcome } from './types.js';

/** One finished or failed step, as the JSON outcome lists it. */
export interface StepRecord {
  step: StepId;
  title: string;
  ms: number;
  detail: string | null;
  /** Present only on the step that failed. */
  error?: string;
}

/** Everything the JSON outcome needs, accumulated from events. */
export interface SessionRecord {
  steps: StepRecord[];
  ready?: Extract<SessionEvent, { type: 'ready' }>;
  git?: Extract<SessionEvent, { type: 'landed' }>['git'];
  leftovers: Array<Extract<SessionEvent, { type: 'leftover' }>['leftover']>;
  controlChanges: string[];
}

/** The --json outcome line. Why fixed keys (null when unknown): scripts read fields without probing. */
export interface JsonOutcome {
  ok: boolean;
  exitCode: number;
  session: string | null;
  profile: string | null;
  policyVersion: string | null;
  image: string | null;
  worktree: string | null;
  steps: StepRecord[];
  /** What became of the agent's commits; null when the session never got that far. */
  git: Extract<SessionEvent, { type: 'landed' }>['git'] | null;
  leftovers: SessionRecord['leftovers'];
  controlChanges: string[];
  error?: { code: string; message: string; hint?: string };
}

/** Starts an empty record. */
export function newRecord(): SessionRecord {
  return { steps: [], leftovers: [], controlChanges: [] };
}

/** Adds an event to the record (mutates it; the record is private to one reporter). */
export function recordEvent(rec: SessionRecord, e: SessionEvent): void {
  if (e.type === 'step-done') {
    rec.steps.push({ step: e.step, title: e.title, ms: e.ms, detail: e.detail ?? null });
  } else if (e.type === 'step-failed') {
    rec.steps.push({ step: e.step, title: e.title, ms: e.ms, detail: null, error: e.error });
  } else if (e.type === 'ready') {
    rec.ready = e;
  } else if (e.type === 'landed') {
    rec.git = e.git;
  } else if (e.type === 'leftover') {
    rec.leftovers.push(e.leftover);
  } else if (e.type === 'control-changed') {
    rec.controlChanges.push(e.path);
  }
}

/** Builds the outcome object from the record and how the command ended. */
export function jsonOutcome(rec: SessionRecord, outcome: Outcome): JsonOutcome {
  const r = rec.ready;
  return {
    ok: outcome.exitCode === 0 && outcome.error === undefined,
    exitCode: outcome.exitCode,
    session: r?.session ?? outcome.session ?? null,
    profile: r?.profile ?? null,
    policyVersion: r?.policyVersion ?? null,
    image: r?.image ?? null,
    worktree: r?.worktree ?? null,
    steps: rec.steps,
    git: rec.git ?? null,
    leftovers: rec.leftovers,
    controlChanges: rec.controlChanges,
    ...(outcome.error
      ? {
          error: {
            code: outcome.error.code,
            message: outcome.error.message,
            ...(outcome.error.hint !== undefined ? { hint: outcome.error.hint } : {}),
          },
        }
      : {}),
  };
}
