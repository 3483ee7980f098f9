import { existsSync, openSync, readdirSync, readFileSync, readSync, closeSync, statSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { AUDIT_LOG_FILE, type AuditEvent } from '../event.js';

/** One session's log as `ccbox audit` lists it. */
export interface AuditSessionSummary {
  session: string;
  /** Whether its gate is up (it removes its ready file when it stops). */
  live: boolean;
  events: number;
  first: string | undefined;
  last: string | undefined;
  /** Denials the gate observed, and denials the agent's container reported (counted apart). */
  deniedObserved: number;
  deniedReported: number;
}

/** Where a session's log and its gate's ready file are. */
export function auditPaths(sessionsDir: string, session: string): { log: string; ready: string } {
  const dir = path.join(sessionsDir, session, 'audit');
  return { log: path.join(dir, AUDIT_LOG_FILE), ready: path.join(dir, 'ready.json') };
}

/** Parses JSONL text; a line that is not an event (cut short by a crash) is counted, not fatal. */
export function parseEvents(text: string): { events: AuditEvent[]; malformed: number } {
  const events: AuditEvent[] = [];
  let malformed = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const value = JSON.parse(line) as Partial<AuditEvent> | null;
      if (value?.type === 'decision' && typeof value.time === 'string') events.push(value as AuditEvent);
      else malformed += 1;
    } catch {
      malformed += 1;
    }
  }
  return { events, malformed };
}

/** Every session folder with an audit log, newest first. */
export function listAuditSessions(sessionsDir: string): AuditSessionSummary[] {
  let names: string[];
  try {
    names = readdirSync(sessionsDir);
  } catch {
    return [];
  }
  const out: Array<AuditSessionSummary & { mtime: number }> = [];
  for (const session of names) {
    const { log, ready } = auditPaths(sessionsDir, session);
    if (!existsSync(log)) continue;
    const { events } = parseEvents(readFileSync(log, 'utf8'));
    const denied = (p: AuditEvent['provenance']): number =>
      events.filter((e) => e.decision === 'deny' && e.provenance === p).length;
    out.push({
      session,
      live: existsSync(ready),
      events: events.length,
      first: events[0]?.time,
      last: events.at(-1)?.time,
      deniedObserved: denied('observed'),
      deniedReported: denied('reported'),
      mtime: statSync(log).mtimeMs,
    });
  }
  return out
    .sort((a, b) => b.mtime - a.mtime)
    .map((s) => ({
      session: s.session,
      live: s.live,
      events: s.events,
      first: s.first,
      last: s.last,
      deniedObserved: s.deniedObserved,
      deniedReported: s.deniedReported,
    }));
}

/**
 * Calls `onText` with what is appended to `file` until `stop()` holds or `signal` aborts. Why polling:
 * the log is on the host's disk and written by another process; 200 ms is live enough for a person.
 */
export async function followFile(
  file: string,
  from: number,
  onText: (text: string) => void,
  stop: () => boolean,
  signal?: AbortSignal,
  intervalMs = 200,
): Promise<void> {
  let offset = from;
  let partial = '';
  for (;;) {
    const size = existsSync(file) ? statSync(file).size : 0;
    if (size > offset) {
      const fd = openSync(file, 'r');
      try {
        const buf = Buffer.alloc(size - offset);
        const n = readSync(fd, buf, 0, buf.length, offset);
        offset += n;
        const text = partial + buf.subarray(0, n).toString('utf8');
        const end = text.lastIndexOf('\n') + 1;
        partial = text.slice(end);
        if (end > 0) onText(text.slice(0, end));
      } finally {
        closeSync(fd);
      }
      continue;
    }
    if (stop() || signal?.aborted) return;
    await sleep(intervalMs, undefined, signal ? { signal } : {}).catch(() => undefined);
  }
}
