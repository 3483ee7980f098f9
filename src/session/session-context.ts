import { randomBytes } from 'node:crypto';
import type { SessionEventSink } from './events.js';
import { stepRunner, Teardown, type StepRunner } from './steps.js';
import type { SessionDeps, SessionRequest } from './session-types.js';
import type { ResolvedSecret } from '../credentials/secrets.js';
import type { GateAuditConfig } from '../audit/config.js';

/**
 * What every step of a session's start shares: the request, the dependencies, the session's id and
 * relay token, the event sink, and the one teardown list each step registers what it created on.
 */
export interface SessionContext {
  readonly req: SessionRequest;
  readonly deps: SessionDeps;
  readonly id: string;
  /** The real model key, in memory only, from the profile step on; handed to the gate alone. */
  modelKey: string | undefined;
  /** Subscription mode: the user's token, in memory only; the gate hands it to the agent's entry once. */
  oauthToken: string | undefined;
  /** Extra credentials (credentials.secrets), read in the profile step, in memory only. */
  secrets: ResolvedSecret[];
  /** The gate's audit config, whose digests the host's own credential events are redacted with. */
  audit?: GateAuditConfig;
  readonly emit: SessionEventSink;
  readonly now: () => number;
  readonly step: StepRunner;
  readonly teardown: Teardown;
  /** Set when the agent container is asked to start: from then on the session git dir may hold work. */
  started: boolean;
}

/** A new session id: short, random, safe in container and branch names. */
export function newSessionId(): string {
  return randomBytes(4).toString('hex');
}

/** The context of a session about to start. */
export function sessionContext(req: SessionRequest, deps: SessionDeps): SessionContext {
  const now = deps.now ?? Date.now;
  const emit = deps.onEvent;
  const id = newSessionId();
  return {
    req,
    deps,
    id,
    modelKey: undefined,
    oauthToken: undefined,
    secrets: [],
    emit,
    now,
    step: stepRunner(emit, now),
    teardown: new Teardown((text) => emit({ type: 'warning', text, at: now() })),
    started: false,
  };
}

/** Reports a warning the way every step does. */
export function warn(ctx: SessionContext, text: string): void {
  ctx.emit({ type: 'warning', text, at: ctx.now() });
}
