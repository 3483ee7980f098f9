import { Readable, type Writable } from 'node:stream';
import { render, type Instance } from 'ink';
import type { SessionEvent } from '../session/events.js';
import { errorLines } from './format.js';
import { SessionView } from './ink-view.js';
import { plainLines, writeLines } from './plain-reporter.js';
import type { Outcome, Reporter } from './types.js';
import { emptyView, reduceView, type ViewState } from './view-state.js';

/** Options of the Ink reporter; `interactive` and `now` exist for tests. */
export interface InkReporterOptions {
  stderr: Writable & { isTTY?: boolean; columns?: number };
  color: boolean;
  columns?: number;
  /** Overrides Ink's own detection (a TTY and not CI). */
  interactive?: boolean;
  now?: () => number;
}

/**
 * Why Ink draws on stderr: stdout belongs to results (and, after the hand-off, to the container's
 * terminal). The live view lasts only while the session comes up: it ends at `ready`, at a failed step,
 * at `release()` or at `finish()`; events after that are printed as plain lines, so that nothing a later
 * writer puts on stderr is overwritten by a redraw.
 */
export function createInkReporter(opts: InkReporterOptions): Reporter {
  const now = opts.now ?? Date.now;
  let state: ViewState = emptyView;
  let finished = false;
  let exit: Promise<void> | undefined;
  const view = (s: ViewState) => (
    <SessionView
      state={s}
      color={opts.color}
      now={now}
      {...(opts.columns !== undefined ? { columns: opts.columns } : {})}
    />
  );
  const instance: Instance = render(view(state), {
    stdout: opts.stderr,
    stderr: opts.stderr,
    // Why a dormant stdin: Ink must never read the keyboard or touch raw mode; after the hand-off every
    // keystroke belongs to the container, and before it Ctrl-C must stay a signal to ccbox.
    stdin: new Readable({ read() {} }),
    exitOnCtrlC: false,
    // Why: patching the global console is a process-wide side effect a reporter has no business making.
    patchConsole: false,
    ...(opts.interactive !== undefined ? { interactive: opts.interactive } : {}),
  });

  /** Unmounts synchronously (the final frame is queued on the stream before anything written later). */
  function stop(): Promise<void> {
    if (!exit) {
      // Why settle on an Ink error too: a broken progress view must still give the terminal up.
      const done = instance.waitUntilExit().then(
        () => undefined,
        () => undefined,
      );
      instance.unmount();
      exit = done;
    }
    return exit;
  }

  return {
    onEvent(e: SessionEvent) {
      if (exit) {
        writeLines(opts.stderr, plainLines(e), opts.color);
        return;
      }
      state = reduceView(state, e, now());
      instance.rerender(view(state));
      if (e.type === 'ready' || e.type === 'step-failed') void stop();
    },
    release: () => stop(),
    finish(outcome: Outcome) {
      if (finished) return;
      finished = true;
      void stop();
      if (outcome.error) writeLines(opts.stderr, errorLines(outcome.error), opts.color);
    },
  };
}
