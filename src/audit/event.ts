/**
 * The one audit event type for every decision, hook or egress (issue 19 §3). Written by the gate, one
 * JSON object per line, to the per-session file in the host folder only the gate mounts.
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
  source: 'hook' | 'egress' | 'relay';
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
}
