/**
 * The one audit event type for every decision, hook or egress (issue 19 §3). Written by the gate, one
 * JSON object per line, to the per-session file in the host folder only the gate mounts.
 *
 * Provenance rule: `observed` events are what the gate saw itself (egress, relay); `reported` events are
 * what the agent's container told it (hooks). The sink sets provenance from the source, never from what
 * the sender claims (egress/src/events.ts); the store never merges, deduplicates or rewrites events, so
 * a reported event cannot replace an observed one; and every view that ranks or summarises (src/audit/
 * query.ts) puts observed events first and counts the two apart.
 */
export interface AuditEvent {
  type: 'decision';
  session: string;
  /** ISO 8601 time the gate recorded it. */
  time: string;
  /**
   * Why provenance: hooks run inside the agent's container, so a hostile agent could send a fake hook
   * event; `observed` events (the gate saw the traffic itself) are never overridden by `reported` ones.
   */
  provenance: 'observed' | 'reported';
  /** credential: the host minted or revoked a `credentials.secrets` entry (never its value). */
  source: 'hook' | 'egress' | 'relay' | 'credential';
  user?: string | undefined;
  repository?: string | undefined;
  branch?: string | undefined;
  commit?: string | undefined;
  tool?: string | undefined;
  hookEvent?: string | undefined;
  toolUseId?: string | undefined;
  /** Normalised command (Bash) or affected path(s), host:port for egress. Redacted. */
  what?: string | undefined;
  mcpServer?: string | undefined;
  mcpTool?: string | undefined;
  decision: 'allow' | 'ask' | 'deny' | 'failed' | 'aborted' | 'record';
  reason: string;
  rule?: string | undefined;
  policyVersion: string;
  /** Set where a human approved (PermissionRequest). */
  approvalId?: string | undefined;
  // What the gate observed of a network request (source egress or relay); absent on hook events.
  /** CONNECT or HTTP for egress; the HTTP method for the relay. */
  method?: string | undefined;
  host?: string | undefined;
  port?: number | undefined;
  /** The address the gate resolved and connected to (or would have), when there was one. */
  address?: string | null | undefined;
  /** Relay: the request path without its query. */
  path?: string | undefined;
  /** Relay: the `model` field of a JSON request body. */
  model?: string | null | undefined;
  /** Relay: the status the agent got; 0 when none was sent. */
  status?: number | undefined;
  mode?: 'enforce' | 'report' | undefined;
  /** Whether the request actually went through (report mode lets denied requests through). */
  forwarded?: boolean | undefined;
  bytesUp?: number | undefined;
  bytesDown?: number | undefined;
  durationMs?: number | undefined;
}

/** The per-session log's name inside the audit folder (host: <state>/sessions/<id>/audit/). */
export const AUDIT_LOG_FILE = 'audit.jsonl';

/** Where a source's events come from. Why a function: the sink stamps it, whatever the writer claimed. */
export function provenanceOf(source: AuditEvent['source']): AuditEvent['provenance'] {
  return source === 'hook' ? 'reported' : 'observed';
}
