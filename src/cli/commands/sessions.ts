import os from 'node:os';
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { readSettings } from '../settings.js';
import { line, printJson } from '../output.js';
import { connectFromSettings } from '../engine.js';
import type { SessionSummary } from '../../engine/engine.js';
import { ExitCodes } from '../../exit-codes.js';
import { removeUnusedImages } from '../../session/image-gc.js';
import { recoverSessions } from '../../session/recover.js';
import { stateDirs } from '../../session/session.js';
import { eventLine } from '../../ui/format.js';

/** The owner label value for this process: which ccbox process a session belongs to. */
export function ownerLabel(): string {
  return `${os.hostname()}:${process.pid}`;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * A session is left behind when the ccbox process that owns it is gone: it ran on this host and its
 * pid no longer exists, or it carries no owner at all. Sessions owned by another host are never
 * judged dead from here (they may share a remote engine).
 */
export function isLeftBehind(s: SessionSummary, host = os.hostname()): boolean {
  if (s.owner === undefined) return s.orphaned;
  const at = s.owner.lastIndexOf(':');
  const ownerHost = s.owner.slice(0, at);
  const pid = Number(s.owner.slice(at + 1));
  if (ownerHost !== host || !Number.isInteger(pid)) return false;
  return !processAlive(pid);
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** Registers `ccbox ps` and `ccbox gc`. */
export function registerSessions(program: Command, ctx: CliContext, done: (code: number) => void): void {
  program
    .command('ps')
    .description('List ccbox sessions on the engine')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const settings = readSettings(ctx);
      const engine = await connectFromSettings(settings);
      const sessions = await engine.listSessions();
      const rows = sessions.map((s) => ({ ...s, leftBehind: isLeftBehind(s) }));
      if (opts.json) printJson(ctx.stdout, rows);
      else {
        line(ctx.stdout, `${'SESSION'.padEnd(10)} ${'POLICY'.padEnd(17)} ${'STATE'.padEnd(13)} CONTAINERS`);
        for (const s of rows) {
          const state = s.leftBehind
            ? 'left behind'
            : s.containers.some((c) => c.running)
              ? 'running'
              : 'stopped';
          line(
            ctx.stdout,
            `${s.id.padEnd(10)} ${(s.policyVersion ?? '-').padEnd(17)} ${state.padEnd(13)} ${s.containers.map((c) => `${c.role}:${c.state}`).join(', ')}`,
          );
        }
      }
      done(ExitCodes.ok);
    });

  program
    .command('gc')
    .description('Remove containers and networks that a crashed or killed ccbox left behind')
    .option('--all', 'remove every ccbox session, including live ones')
    .option('--images', 'also remove the agent and gate images no container uses (rebuilt on the next run)')
    .option('--json', 'print what was removed as JSON')
    .action(async (opts: { all?: boolean; images?: boolean; json?: boolean }) => {
      const settings = readSettings(ctx);
      const engine = await connectFromSettings(settings);
      const sessions = await engine.listSessions();
      const targets = sessions.filter((s) => opts.all || isLeftBehind(s)).map((s) => s.id);
      const result =
        targets.length > 0
          ? await engine.gc({ sessions: targets })
          : { sessions: [], containers: [], networks: [], failed: [] };
      // Their agents are gone now: land what they committed, neutralise what they left.
      const recovered = await recoverSessions(
        sessions,
        result,
        stateDirs(settings.cacheDir, settings.stateDir).sessionsDir,
      );
      // After the sessions: a left-behind container no longer holds on to its image.
      const images = opts.images ? await removeUnusedImages(engine) : undefined;
      if (opts.json)
        printJson(ctx.stdout, {
          ...result,
          recovered: recovered.map((r) => ({ session: r.session, events: r.events })),
          ...(images ? { images } : {}),
        });
      else {
        for (const r of recovered)
          for (const e of r.events) {
            const l = eventLine(e);
            if (l) line(ctx.stderr, `session ${r.session}: ${l.text}`);
          }
        line(
          ctx.stderr,
          `removed ${plural(result.containers.length, 'container')} and ${plural(result.networks.length, 'network')} of ${plural(result.sessions.length, 'session')}`,
        );
        for (const f of result.failed) line(ctx.stderr, `could not remove ${f.kind} ${f.name}: ${f.message}`);
        if (images) {
          // No total size: images share layers, so their sizes do not add up to what was freed.
          line(
            ctx.stderr,
            `removed ${plural(images.removed.length, 'image')}; kept ${images.inUse.length} in use`,
          );
          for (const f of images.failed) line(ctx.stderr, `could not remove image ${f.name}: ${f.message}`);
        }
      }
      const failed = result.failed.length + (images?.failed.length ?? 0);
      done(failed > 0 ? ExitCodes.checkFailed : ExitCodes.ok);
    });
}
