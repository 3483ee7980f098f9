import { createJsonReporter } from './json-reporter.js';
import { createPlainReporter } from './plain-reporter.js';
import type { Reporter, ReporterOptions } from './types.js';

export type { Outcome, OutcomeError, Reporter, ReporterOptions } from './types.js';

/**
 * Picks the output for a command: Ink for a person at a terminal, plain lines for logs, one JSON line
 * for scripts. Why Ink falls back to plain when stderr is not a TTY: Ink would then print only its last
 * frame, at the end, and a log would show nothing while a long build runs.
 */
export async function createReporter(opts: ReporterOptions): Promise<Reporter> {
  const tty = Boolean(opts.stderr.isTTY);
  const color = opts.color ?? tty;
  switch (opts.mode) {
    case 'json':
      return createJsonReporter({ stderr: opts.stderr, stdout: opts.stdout });
    case 'plain':
      return createPlainReporter({ stderr: opts.stderr, color });
    case 'ink':
      if (!tty) return createPlainReporter({ stderr: opts.stderr, color });
      // Why loaded here: Ink and React take most of a second to load, which plain and JSON runs
      // (CI, scripts) should not pay.
      return (await import('./ink-reporter.js')).createInkReporter({
        stderr: opts.stderr,
        color,
        ...(opts.columns !== undefined ? { columns: opts.columns } : {}),
      });
  }
}
