import type { Writable } from 'node:stream';
import { ExitCodes } from '../exit-codes.js';

/**
 * How a run ends early, in one place: a signal (SIGINT/SIGTERM/SIGHUP), a closed stdout or stderr (`| head`),
 * a broken engine connection or an uncaught error all abort `signal` with an exit code from the table, so
 * the command unwinds and removes what it created. Why no exit here: cleanup is async and must run; the
 * only exit is in main.ts (`onForcedExit` is how a second signal during cleanup reaches it).
 */
export interface Lifecycle extends Disposable {
  signal: AbortSignal;
  /** The exit code of what ended the run early, if anything did. */
  abortExitCode(): number | undefined;
  /** Ends the run early with `code` (the first reason wins); `signal` aborts with `reason`. */
  abort(reason: string, code: number): void;
  /**
   * Registers a teardown (a session's removal). Returns its runner: the command calls it on its way out,
   * and `teardown` calls it when the command could not; either way it runs once.
   */
  addTeardown<T>(fn: () => Promise<T>): () => Promise<T>;
  /** Runs (or waits for) every registered teardown, within `ms` in all; resolves even when one hangs. */
  teardown(ms: number): Promise<void>;
  /** Runs `fn` with a time limit; resolves even when `fn` hangs. */
  withTimeLimit<T>(fn: () => Promise<T>, ms: number): Promise<T | undefined>;
}

export interface LifecycleOptions {
  proc?: NodeJS.Process;
  /** stdout and stderr: an error on either (EPIPE: the reader went away) ends the run with outputClosed. */
  outputs?: readonly Writable[];
  /** A second signal while cleanup runs: main.ts exits at once with this code. */
  onForcedExit?: (code: number) => void;
}

/** Why these codes: 128 + the signal number, as a shell reports them; all are in the exit-code table. */
export const SIGNAL_EXIT_CODES: Readonly<Record<string, number>> = {
  SIGINT: ExitCodes.interrupted,
  SIGTERM: ExitCodes.terminated,
  SIGHUP: ExitCodes.hangup,
};

export function createLifecycle(options: LifecycleOptions = {}): Lifecycle {
  const proc = options.proc ?? process;
  const controller = new AbortController();
  let code: number | undefined;
  const teardowns: Array<() => Promise<unknown>> = [];
  const abort = (reason: string, exitCode: number): void => {
    if (code !== undefined) return;
    code = exitCode;
    controller.abort(new Error(reason));
  };
  const onSignal = (sig: NodeJS.Signals): void => {
    const sigCode = SIGNAL_EXIT_CODES[sig] ?? ExitCodes.interrupted;
    if (code !== undefined) options.onForcedExit?.(sigCode);
    abort(`received ${sig}`, sigCode);
  };
  // Why any error, not only EPIPE: a stream that failed once takes no more output, so the run cannot go on.
  const onOutputError = (): void => abort('stdout or stderr was closed', ExitCodes.outputClosed);
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const s of signals) proc.on(s, onSignal);
  for (const o of options.outputs ?? []) o.on('error', onOutputError);
  const withTimeLimit = async <T>(fn: () => Promise<T>, ms: number): Promise<T | undefined> => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), ms);
      timer.unref();
    });
    try {
      return await Promise.race([fn(), timeout]);
    } finally {
      clearTimeout(timer);
    }
  };
  return {
    signal: controller.signal,
    abortExitCode: () => code,
    abort,
    addTeardown<T>(fn: () => Promise<T>): () => Promise<T> {
      let running: Promise<T> | undefined;
      const once = (): Promise<T> => (running ??= fn());
      teardowns.push(once);
      return once;
    },
    async teardown(ms: number): Promise<void> {
      await withTimeLimit(() => Promise.allSettled(teardowns.map((t) => t())), ms);
    },
    withTimeLimit,
    [Symbol.dispose]() {
      for (const s of signals) proc.off(s, onSignal);
      // The error listeners stay: a write after the run (the closing line) may still hit a closed pipe.
    },
  };
}

/**
 * The lifecycle a command uses: the process's own when main.ts made one (the command must not dispose
 * it: the top-level handler still needs it), else a fresh one (in-process callers, tests).
 */
export function commandLifecycle(given: Lifecycle | undefined, outputs: readonly Writable[]): Lifecycle {
  if (!given) return createLifecycle({ outputs });
  return { ...given, [Symbol.dispose]: () => undefined };
}
