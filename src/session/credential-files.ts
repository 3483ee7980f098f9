import { appendFileSync } from 'node:fs';
import path from 'node:path';
import type { ContainerHandle } from '../engine/engine.js';
import { AUDIT_LOG_FILE, type AuditEvent } from '../audit/event.js';
import { createRedactor, redactEvent } from '../audit/redact.js';
import { SECRET_FILES_DIR, type SessionPlan } from '../policy/plan.js';
import type { ResolvedSecret } from '../credentials/secrets.js';
import { warn, type SessionContext } from './session-context.js';

/**
 * File delivery of `credentials.secrets` (deliver: file): each value is written into the running
 * agent's own tmpfs at /run/ccbox/credentials/NAME and removed at its TTL. Why exec with stdin: the
 * value is in no container config, image layer, argv or environment; why a tmpfs: it never touches a
 * disk and dies with the container. Every write and removal is an audit event, never the value.
 */

type Outcome = Pick<AuditEvent, 'decision' | 'rule' | 'reason'>;

/**
 * Appends one host-side credential event to the session's audit log. Why the host writes it: the
 * host, not the gate, touches the agent's files. One O_APPEND write per line, as the gate's writer
 * does, so lines never interleave; redacted with the session's digests like every gate event.
 */
function record(ctx: SessionContext, auditDir: string, plan: SessionPlan, name: string, o: Outcome): void {
  const event: AuditEvent = {
    type: 'decision',
    session: ctx.id,
    time: new Date(ctx.now()).toISOString(),
    provenance: 'observed',
    source: 'credential',
    what: `credential ${name}`,
    ...o,
    policyVersion: plan.policyVersion,
    ...(ctx.audit?.context ?? {}),
  };
  const line = JSON.stringify(redactEvent(event, createRedactor(ctx.audit?.secrets)));
  try {
    appendFileSync(path.join(auditDir, AUDIT_LOG_FILE), `${line}\n`, { mode: 0o600 });
  } catch {
    warn(ctx, `could not record the audit event for credential ${name}`);
  }
}

// Why sh -c with fixed text: the name is checked by the profile schema ([a-z][a-z0-9_-]*); the value
// only ever travels on stdin. Written then renamed, so a reader never sees half a value.
const writeScript = (name: string): string =>
  `umask 077 && cat > ${SECRET_FILES_DIR}/.${name}.part && mv -f ${SECRET_FILES_DIR}/.${name}.part ${SECRET_FILES_DIR}/${name}`;

/** Delivers the session's file credentials into the started agent and schedules their removal. */
export async function deliverCredentialFiles(
  ctx: SessionContext,
  agent: ContainerHandle,
  auditDir: string,
  plan: SessionPlan,
): Promise<void> {
  const files = ctx.secrets.filter((s) => s.plan.deliver === 'file');
  const timers = new Map<string, NodeJS.Timeout>();
  const revoke = async (s: ResolvedSecret, why: string): Promise<void> => {
    timers.delete(s.plan.name);
    const r = await agent
      .exec(['rm', '-f', `${SECRET_FILES_DIR}/${s.plan.name}`])
      .catch(() => ({ exitCode: -1 }));
    record(ctx, auditDir, plan, s.plan.name, {
      decision: r.exitCode === 0 ? 'record' : 'failed',
      rule: 'credential:revoke',
      reason: r.exitCode === 0 ? `removed from the agent ${why}` : `could not be removed ${why}`,
    });
    if (r.exitCode !== 0) warn(ctx, `credential ${s.plan.name} could not be removed from the agent ${why}`);
  };
  for (const s of files) {
    const r = await agent
      .exec(['/bin/sh', '-c', writeScript(s.plan.name)], { stdin: s.value })
      .catch(() => ({ exitCode: -1 }));
    const expires = s.ttlSeconds !== undefined ? new Date(ctx.now() + s.ttlSeconds * 1000) : undefined;
    record(ctx, auditDir, plan, s.plan.name, {
      decision: r.exitCode === 0 ? 'allow' : 'failed',
      rule: 'credential:mint',
      reason:
        r.exitCode === 0
          ? `written to ${SECRET_FILES_DIR}/${s.plan.name}, ${expires ? `expires ${expires.toISOString()}` : 'for the session'}`
          : `could not be written to ${SECRET_FILES_DIR}/${s.plan.name}`,
    });
    if (r.exitCode !== 0) {
      warn(ctx, `credential ${s.plan.name} could not be written into the agent`);
      continue;
    }
    if (s.ttlSeconds !== undefined) {
      // Unref: a pending expiry never keeps ccbox running after the session ends.
      const t = setTimeout(() => void revoke(s, 'at its TTL'), s.ttlSeconds * 1000);
      t.unref();
      timers.set(s.plan.name, t);
    }
  }
  // The session's end revokes what has not expired: the tmpfs goes with the container; say so.
  ctx.teardown.add('credential files', () => {
    for (const [name, t] of timers) {
      clearTimeout(t);
      record(ctx, auditDir, plan, name, {
        decision: 'record',
        rule: 'credential:revoke',
        reason: 'gone with the session (the agent and its tmpfs are removed)',
      });
    }
    timers.clear();
    return Promise.resolve();
  });
}
