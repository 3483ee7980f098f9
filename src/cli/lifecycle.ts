import { ExitCodes } from '../exit-codes.js';

/**
 * Signals for a long-running command: the first SIGINT/SIGTERM/SIGHUP aborts the command's signal so
 * it can clean up (remove containers and networks) and return; a second one while cleanup runs is
 * honoured at once. Why not exit in the handler: cleanup must run, and it is async.
 */
export interface Lifecycle extends Disposable {
  signal: AbortSignal;
  /** The exit code the received signal maps to, if one was received. */
  signalExitCode(): number | undefined;
  /** Runs `fn` with a time limit; resolves even when `fn` hangs. */
  withTimeLimit<T>(fn: () => Promise<T>, ms: number): Promise<T | undefined>;
}

const CODES: Record<string, number> = {
  SIGINT: ExitCodes.interrupted,
  SIGTERM: ExitCodes.terminated,
  SIGHUP: 129,
};

export function createLifecycle(proc: NodeJS.Process = process): Lifecycle {
  const controller = new AbortController();
  let received: string | undefined;
  const handler = (sig: NodeJS.Signals): void => {
    if (received !== undefined) {
      proc.exit(CODES[sig] ?? ExitCodes.interrupted);
    }
    received = sig;
    controller.abort(new Error(`received ${sig}`));
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const s of signals) proc.on(s, handler);
  return {
    signal: controller.signal,
    signalExitCode: () => (received !== undefined ? CODES[received] : undefined),
    async withTimeLimit<T>(fn: () => Promise<T>, ms: number): Promise<T | undefined> {
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
    },
    [Symbol.dispose]() {
      for (const s of signals) proc.off(s, handler);
    },
  };
}
