import type { Command } from 'commander';
import { existsSync, readFileSync, statSync } from 'node:fs';
import type { CliContext } from '../context.js';
import { readSettings } from '../settings.js';
import { commandLifecycle } from '../lifecycle.js';
import { line, printJson } from '../output.js';
import { CcboxError } from '../../errors.js';
import { ExitCodes } from '../../exit-codes.js';
import type { AuditEvent } from '../../audit/event.js';
import { auditPaths, followFile, listAuditSessions, parseEvents } from '../../audit/host/read.js';
import { DECISIONS, matches, ranked, type AuditFilter } from '../../audit/host/query.js';
import { EVENT_HEADER, eventRow, SESSION_HEADER, sessionRow } from '../../audit/host/table.js';
import { stateDirs } from '../../session/session.js';

interface AuditOptions {
  follow?: boolean;
  json?: boolean;
  decision?: string;
  tool?: string;
}

function filterOf(opts: AuditOptions): AuditFilter {
  if (opts.decision !== undefined && !DECISIONS.includes(opts.decision as AuditEvent['decision']))
    throw new CcboxError(`--decision must be one of ${DECISIONS.join(', ')}`, {
      code: 'USAGE',
      exitCode: ExitCodes.invalidInput,
    });
  return { decision: opts.decision as AuditEvent['decision'] | undefined, tool: opts.tool };
}

/** Registers `ccbox audit`: the sessions with a log, a session's decisions, or a live session's stream. */
export function registerAudit(program: Command, ctx: CliContext, done: (code: number) => void): void {
  program
    .command('audit [session]')
    .description("List sessions' audit logs, or show one session's decisions (hook, egress, relay)")
    .option('--follow', 'keep printing new events until the session ends (Ctrl-C stops)')
    .option('--json', 'print JSON (with --follow: one event per line)')
    .option('--decision <decision>', `only events with this decision (${DECISIONS.join(', ')})`)
    .option('--tool <tool>', 'only events of this tool (Bash, Read, …; egress or relay for the gate)')
    .action(async (session: string | undefined, opts: AuditOptions) => {
      const settings = readSettings(ctx);
      const { sessionsDir } = stateDirs(settings.cacheDir, settings.stateDir);
      const filter = filterOf(opts);
      if (session === undefined) {
        const sessions = listAuditSessions(sessionsDir);
        if (opts.json) printJson(ctx.stdout, sessions);
        else {
          line(ctx.stdout, SESSION_HEADER);
          for (const s of sessions) line(ctx.stdout, sessionRow(s));
        }
        return done(ExitCodes.ok);
      }
      // Why the check: the id becomes a path; only a plain session id may name a folder.
      const paths = /^[A-Za-z0-9_-]{1,64}$/.test(session) ? auditPaths(sessionsDir, session) : undefined;
      if (paths === undefined || !existsSync(paths.log))
        throw new CcboxError(`no audit log for session ${JSON.stringify(session.slice(0, 64))}`, {
          code: 'AUDIT_SESSION_NOT_FOUND',
          exitCode: ExitCodes.invalidInput,
          hint: '`ccbox audit` lists the sessions that have one',
        });
      const print = (events: readonly AuditEvent[], asLines: boolean): void => {
        const shown = events.filter((e) => matches(e, filter));
        if (opts.json && asLines) for (const e of shown) ctx.stdout.write(`${JSON.stringify(e)}\n`);
        else if (opts.json) printJson(ctx.stdout, shown);
        else for (const e of shown) line(ctx.stdout, eventRow(e));
      };
      const size = statSync(paths.log).size;
      const { events, malformed } = parseEvents(readFileSync(paths.log, 'utf8').slice(0, size));
      if (!opts.json) line(ctx.stdout, EVENT_HEADER);
      print(ranked(events), opts.follow === true);
      if (malformed > 0) line(ctx.stderr, `ccbox: skipped ${malformed} line(s) that are not audit events`);
      if (opts.follow) {
        using life = commandLifecycle(ctx.lifecycle, [ctx.stdout, ctx.stderr]);
        // Until the gate removes its ready file (it stopped) or the user stops following.
        await followFile(
          paths.log,
          size,
          (text) => print(parseEvents(text).events, true),
          () => !existsSync(paths.ready),
          life.signal,
        );
      }
      done(ExitCodes.ok);
    });
}
