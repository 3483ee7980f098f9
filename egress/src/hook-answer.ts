import type { AuditEvent } from '../../src/audit/event.js';
import type { HookDecision, HookInput } from '../../src/policy/hook/types.js';

/**
 * What the adapter prints for a decision, in Claude Code's hook JSON for the event. Why per event:
 * only PreToolUse takes a permissionDecision; PermissionRequest takes `decision.behavior` (and ignores
 * exit 2); ConfigChange blocks with a top-level decision; the record-only events get `{}`.
 */
export function hookAnswer(event: string, d: HookDecision): Record<string, unknown> {
  const reason = `ccbox policy (${d.rule}): ${d.reason}`;
  switch (event) {
    case 'PreToolUse':
      return {
        hookSpecificOutput: {
          hookEventName: 'PreToolUse',
          permissionDecision: d.decision,
          permissionDecisionReason: reason,
        },
      };
    case 'PermissionRequest':
      // An ask is left to the human at the prompt; only a deny answers for them.
      return d.decision === 'deny'
        ? {
            hookSpecificOutput: {
              hookEventName: 'PermissionRequest',
              decision: { behavior: 'deny', message: reason },
            },
          }
        : {};
    case 'ConfigChange':
      return d.decision === 'deny' ? { decision: 'block', reason } : {};
    default:
      return {};
  }
}

/** A hook input the gate could not read or decide: denied, in PreToolUse form (the one that blocks). */
export function refusedAnswer(event: string, rule: string, reason: string): Record<string, unknown> {
  return hookAnswer(event === '' ? 'PreToolUse' : event, { decision: 'deny', rule, reason });
}

const text = (v: unknown, max: number): string | undefined =>
  typeof v === 'string' && v !== '' ? v.slice(0, max) : undefined;

/** The affected path of a file tool, when the engine named none. */
function pathOf(input: HookInput): string | undefined {
  const ti = input.tool_input ?? {};
  return (
    text(ti.file_path, 1000) ?? text(ti.notebook_path, 1000) ?? text(ti.path, 1000) ?? text(ti.url, 1000)
  );
}

/**
 * The audit event of one hook decision. Provenance `reported` (the sink stamps it from the source):
 * the hook ran in the agent's container, so a hostile agent could have sent this itself; it never
 * replaces what the gate observed.
 */
export function hookEvent(
  input: HookInput,
  d: HookDecision,
  meta: { session: string; policyVersion: string; started: number; durationMs: number },
): AuditEvent {
  const what = d.normalised ?? (d.paths !== undefined ? d.paths.join(', ') : undefined) ?? pathOf(input);
  return {
    type: 'decision',
    source: 'hook',
    provenance: 'reported',
    session: meta.session,
    time: new Date(meta.started).toISOString(),
    tool: text(input.tool_name, 200),
    hookEvent: text(input.hook_event_name, 100),
    toolUseId: text(input.tool_use_id, 200),
    ...(what !== undefined ? { what: what.slice(0, 4000) } : {}),
    ...(d.mcp ? { mcpServer: d.mcp.server, mcpTool: d.mcp.tool } : {}),
    decision: d.rule === 'record' ? 'record' : d.decision,
    reason: d.reason,
    rule: d.rule,
    policyVersion: meta.policyVersion,
    durationMs: meta.durationMs,
  };
}
