import os from 'node:os';
import type { CliContext } from '../context.js';
import { loadOptionsFrom } from '../context.js';
import { readSettings } from '../settings.js';
import { ccboxVersion } from '../../paths.js';
import { commandLifecycle } from '../lifecycle.js';
import { errorOutcome, line, reportError } from '../output.js';
import { CcboxError } from '../../errors.js';
import { connectFromSettings } from '../engine.js';
import { prepareSession, stateDirs, type PreparedSession } from '../../session/session.js';
import { parseSubnetPool } from '../../session/subnet-pool.js';
import { createReporter, type Reporter } from '../../ui/reporter.js';
import { handOffTerminal } from '../../ui/terminal.js';
import { ExitCodes } from '../../exit-codes.js';
import { ownerLabel } from './sessions.js';
import { watchAttach } from './attach-watch.js';

export interface RunFlags {
  profile: string;
  worktree?: boolean;
  plain?: boolean;
  json?: boolean;
  baseImage?: string;
  caFile?: string;
}

const CLEANUP_LIMIT_MS = 20_000;

/** Runs one sandboxed session: Claude Code (`run`) or a shell/command (`shell`). */
export async function runSession(
  ctx: CliContext,
  flags: RunFlags,
  role: 'agent' | 'shell',
  args: string[],
): Promise<number> {
  const settings = readSettings(ctx);
  const mode = flags.json ? 'json' : flags.plain || !ctx.stderrIsTTY ? 'plain' : 'ink';
  const interactive = ctx.stdinIsTTY && ctx.stdoutIsTTY && !flags.json;
  const reporter: Reporter = await createReporter({ mode, stderr: ctx.stderr, stdout: ctx.stdout });
  using life = commandLifecycle(ctx.lifecycle, [ctx.stdout, ctx.stderr]);
  const command =
    role === 'agent'
      ? ['/usr/local/bin/ccbox-entry', 'claude', ...args]
      : args.length > 0
        ? args
        : ['bash', '-l'];
  let session: PreparedSession | undefined;
  let exitCode: number | undefined;
  let failure: { code: string; message: string; hint?: string } | undefined;
  let dispose: (() => Promise<string[]>) | undefined;
  try {
    session = await prepareSession(
      {
        profileRef: flags.profile,
        planCacheDir: settings.cacheDir,
        version: ccboxVersion(),
        loadOptions: loadOptionsFrom(ctx),
        cwd: ctx.cwd,
        home: ctx.home,
        hostEnv: ctx.env,
        worktreeMode: Boolean(flags.worktree),
        command,
        role,
        tty: interactive,
        baseImage: flags.baseImage ?? settings.baseImage,
        caFile: flags.caFile ?? settings.extraCaCerts,
        ...stateDirs(settings.cacheDir, settings.stateDir),
        gateNetwork: settings.gateNetwork,
        modelUpstream: settings.modelUpstream,
        subnets: parseSubnetPool(settings.subnetPool, settings.subnetSize),
        tokenTtlSeconds: settings.tokenTtlSeconds,
        owner: ownerLabel(),
        signal: life.signal,
      },
      {
        connect: () => connectFromSettings(settings),
        binaries: {
          registry: settings.registry,
          cacheDir: settings.cacheDir,
          arch: os.arch(),
          signal: life.signal,
        },
        onEvent: (e) => reporter.onEvent(e),
      },
    );
    const s = session;
    // Registered with the lifecycle so the top-level handler removes the session even if this flow hangs.
    dispose = life.addTeardown(() => s.dispose());
    life.signal.throwIfAborted();
    const container = session.container;
    const streams = await container.attach({ stdin: true, stdout: true, stderr: true });
    // A cut attach connection ends the session like a signal does (never an uncaught stream error).
    const watch = watchAttach(streams, (reason) => {
      reporter.onEvent({
        type: 'warning',
        text: `the engine connection was lost: ${reason}`,
        at: Date.now(),
      });
      life.abort(`the engine connection was lost: ${reason}`, ExitCodes.engineUnavailable);
    });
    await session.start();
    // Why: a signal to ccbox must end the session, not leave the container running.
    const onAbort = (): void => void container.kill('SIGKILL').catch(() => undefined);
    life.signal.addEventListener('abort', onAbort, { once: true });
    await reporter.release();
    const out = mode === 'json' ? ctx.stderr : ctx.stdout;
    let restore: (() => void) | undefined;
    if (interactive) {
      const handoff = handOffTerminal({
        stdin: process.stdin,
        stdout: process.stdout,
        remote: {
          input: streams.stdin ?? null,
          output: streams.stdout,
          resize: (r, c) => container.resize(r, c),
        },
        signal: life.signal,
      });
      restore = () => handoff.restore();
    } else {
      streams.stdout.pipe(out, { end: false });
      streams.stderr.pipe(ctx.stderr, { end: false });
      if (streams.stdin) {
        if (ctx.stdinIsTTY) streams.stdin.end();
        else process.stdin.pipe(streams.stdin);
      }
    }
    exitCode = await container.wait();
    watch.exited();
    restore?.();
    streams.close();
  } catch (err) {
    await reporter.release();
    const signalled = life.abortExitCode();
    if (signalled !== undefined) exitCode = signalled;
    else if (mode === 'json') {
      failure = errorOutcome(err).error;
      exitCode = err instanceof CcboxError ? err.exitCode : ExitCodes.internal;
      for (const d of err instanceof CcboxError ? err.details : []) line(ctx.stderr, d);
    } else exitCode = reportError(ctx.stderr, err);
  } finally {
    if (session && dispose) {
      const s = session;
      const removed = await life.withTimeLimit(dispose, CLEANUP_LIMIT_MS);
      reporter.onEvent({ type: 'cleaned', session: s.id, removed: removed ?? [], at: Date.now() });
      if (s.clone)
        reporter.onEvent({
          type: 'warning',
          text: `session worktree kept at ${s.clone.dir} (branch ${s.clone.branch}); remove it with rm -rf when done`,
          at: Date.now(),
        });
    }
  }
  const signalled = life.abortExitCode();
  const finalCode = signalled ?? exitCode ?? ExitCodes.internal;
  reporter.finish({
    exitCode: finalCode,
    ...(session ? { session: session.id } : {}),
    ...(failure ? { error: failure } : {}),
  });
  return finalCode;
}
