import { finished, type Readable, type Writable } from 'node:stream';

/** The far end of the hand-off: a program's terminal (in ccbox, the container's TTY over attach). */
export interface RemoteTerminal {
  /** Where keystrokes go; null or undefined when the program takes no input. */
  input: Writable | null | undefined;
  /** What the program prints; its end (or error) ends the hand-off. */
  output: Readable;
  resize(rows: number, cols: number): Promise<void>;
}

/** The bits of `process` the hand-off uses; injectable for tests. */
export interface ExitHooks {
  once(event: 'exit', listener: () => void): unknown;
  off(event: 'exit', listener: () => void): unknown;
}

/** What `handOffTerminal` needs. */
export interface HandOffOptions {
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
  remote: RemoteTerminal;
  /** Aborting ends the hand-off: the terminal is restored and `done` rejects with the reason. */
  signal?: AbortSignal;
  /** Defaults to `process`; the terminal is restored on its 'exit'. */
  proc?: ExitHooks;
}

/** A terminal lent to a remote program. */
export interface TerminalHandoff {
  /**
   * Settles once the hand-off is over: resolves when the remote output ends cleanly or `restore()` is
   * called, rejects when the output fails or the signal aborts. Already marked handled, so not awaiting
   * it never crashes the process.
   */
  done: Promise<void>;
  /** Gives the terminal back (raw mode off, pipes and listeners removed, stdin paused). Idempotent. */
  restore(): void;
}

// Why: a program killed mid-screen can leave the cursor hidden and bracketed paste on; both resets are
// harmless when nothing was left on.
const RESET_MODES = '\u001b[?25h\u001b[?2004l';

/**
 * Lends the user's terminal to a remote program. Why raw mode: Ctrl-C, Ctrl-Z and Ctrl-\ must reach the
 * program as bytes (Claude Code handles them) instead of signalling ccbox; ccbox stays killable because
 * the program's exit ends the hand-off and restores the terminal. Without a TTY (or without input) the
 * streams are piped as they are, and Ctrl-C stays a signal to ccbox.
 */
export function handOffTerminal(opts: HandOffOptions): TerminalHandoff {
  const { stdin, stdout, remote, signal } = opts;
  const proc: ExitHooks = opts.proc ?? process;
  const input = remote.input ?? undefined;
  const raw = Boolean(stdin.isTTY) && input !== undefined && typeof stdin.setRawMode === 'function';
  const wasRaw = Boolean(stdin.isRaw);
  let restored = false;
  let stopWatching: () => void = () => undefined;
  let settle: (err?: Error) => void = () => undefined;
  const done = new Promise<void>((resolve, reject) => {
    settle = (err?: Error) => (err === undefined ? resolve() : reject(err));
  });
  // Why: the caller may only await the container; a failed output stream must not crash ccbox as an
  // unhandled rejection (whoever awaits `done` still sees the error).
  done.catch(() => undefined);

  const sendSize = (): void => {
    const rows = stdout.rows;
    const cols = stdout.columns;
    if (!rows || !cols) return;
    // Why ignore a failure: a resize racing the program's exit is harmless, and the size is cosmetic.
    remote.resize(rows, cols).catch(() => undefined);
  };
  // Why: a keystroke written after the program's input closed must end the typing, not crash ccbox.
  const onInputError = (): void => {
    if (input) stdin.unpipe(input);
  };

  const restore = (err?: Error): void => {
    if (restored) return;
    restored = true;
    stdout.off('resize', sendSize);
    signal?.removeEventListener('abort', onAbort);
    proc.off('exit', onExit);
    stopWatching();
    remote.output.unpipe(stdout);
    if (input) stdin.unpipe(input);
    if (raw) {
      stdin.setRawMode(wasRaw);
      if (stdout.writable) stdout.write(RESET_MODES);
    }
    stdin.pause();
    // Why unref: a paused TTY handle must not keep ccbox alive after the session.
    stdin.unref?.();
    settle(err);
  };
  const onExit = (): void => restore();
  const onAbort = (): void => restore(abortReason(signal));

  if (signal?.aborted) {
    restored = true;
    settle(abortReason(signal));
    return { done, restore: () => undefined };
  }

  proc.once('exit', onExit);
  signal?.addEventListener('abort', onAbort, { once: true });
  if (raw) stdin.setRawMode(true);
  stdin.ref?.();
  if (input) {
    input.on('error', onInputError);
    // Why end the input with stdin: piped input (not a TTY) reaching EOF is EOF for the program too.
    stdin.pipe(input);
  }
  remote.output.pipe(stdout, { end: false });
  // Why `finished` rather than 'end': an output that errors or closes early must reject, not look done.
  stopWatching = finished(remote.output, { writable: false }, (err) => restore(err ?? undefined));
  // Node's tty.WriteStream turns each SIGWINCH into 'resize', with rows and columns already updated.
  stdout.on('resize', sendSize);
  sendSize();
  return { done, restore: () => restore() };
}

function abortReason(signal: AbortSignal | undefined): Error {
  const reason: unknown = signal?.reason;
  return reason instanceof Error ? reason : new Error('terminal hand-off aborted');
}
