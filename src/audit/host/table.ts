import type { AuditEvent } from '../event.js';
import type { AuditSessionSummary } from './read.js';

const cut = (text: string, width: number): string =>
  text.length <= width ? text : `${text.slice(0, width - 1)}…`;

// Why one line each: control characters an agent put in a command must not move the reader's cursor.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const flat = (text: string): string => text.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ');

export const EVENT_HEADER = `${'TIME'.padEnd(23)} ${'BY'.padEnd(5)} ${'TOOL'.padEnd(12)} ${'DECISION'.padEnd(8)} ${'RULE'.padEnd(28)} WHAT`;

/**
 * One event as a table row. BY says who vouches for it: `gate` (observed) or `agent` (reported by the
 * agent's container, which a hostile agent could forge).
 */
export function eventRow(e: AuditEvent): string {
  const time = e.time.replace('T', ' ').replace(/Z$/, '');
  const by = e.provenance === 'observed' ? 'gate' : 'agent';
  const tool = e.tool ?? e.source;
  const what = e.what ?? e.path ?? e.host ?? '';
  return `${cut(time, 23).padEnd(23)} ${by.padEnd(5)} ${cut(flat(tool), 12).padEnd(12)} ${e.decision.padEnd(8)} ${cut(flat(e.rule ?? '-'), 28).padEnd(28)} ${cut(flat(what), 80)}`;
}

export const SESSION_HEADER = `${'SESSION'.padEnd(10)} ${'STATE'.padEnd(7)} ${'EVENTS'.padStart(7)} ${'DENIED'.padStart(7)} ${'AGENT-DENY'.padStart(10)}  LAST`;

/** One session as a table row: DENIED the gate saw, AGENT-DENY what the agent's container reported. */
export function sessionRow(s: AuditSessionSummary): string {
  return `${s.session.padEnd(10)} ${(s.live ? 'live' : 'ended').padEnd(7)} ${String(s.events).padStart(7)} ${String(s.deniedObserved).padStart(7)} ${String(s.deniedReported).padStart(10)}  ${s.last ?? '-'}`;
}
