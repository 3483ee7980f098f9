import type { AuditEvent } from '../event.js';

/** What `ccbox audit` filters on. */
export interface AuditFilter {
  decision?: AuditEvent['decision'] | undefined;
  /** A tool name (Bash, Read, mcp__…), or egress / relay for the gate's own events. */
  tool?: string | undefined;
}

export const DECISIONS: ReadonlyArray<AuditEvent['decision']> = [
  'allow',
  'ask',
  'deny',
  'failed',
  'aborted',
  'record',
];

/** Whether an event passes the filter. */
export function matches(event: AuditEvent, filter: AuditFilter): boolean {
  if (filter.decision !== undefined && event.decision !== filter.decision) return false;
  if (filter.tool !== undefined) {
    const tool = filter.tool.toLowerCase();
    if ((event.tool ?? '').toLowerCase() !== tool && event.source !== tool) return false;
  }
  return true;
}

/**
 * Events in time order, observed before reported at the same instant. Why: a view shows what the gate
 * saw first; the agent's report of the same moment never displaces it. Nothing is merged or dropped.
 */
export function ranked(events: readonly AuditEvent[]): AuditEvent[] {
  const rank = (e: AuditEvent): number => (e.provenance === 'observed' ? 0 : 1);
  return events
    .map((e, i) => ({ e, i }))
    .sort((a, b) => a.e.time.localeCompare(b.e.time) || rank(a.e) - rank(b.e) || a.i - b.i)
    .map(({ e }) => e);
}
