import type { Writable } from 'node:stream';
import type { SessionEvent } from '../session/events.js';
import { errorLines, eventLine, isBuildStep, paintLine, type Line } from './format.js';
import type { Outcome, Reporter } from './types.js';

/** Writes painted lines to a stream, skipping a stream that is already gone (a closed pipe is not our error). */
export function writeLines(stream: Writable, lines: readonly Line[], color: boolean): void {
  if (stream.destroyed || stream.writableEnded) return;
  for (const l of lines) stream.write(`${paintLine(l, color)}\n`);
}

/**
 * The lines plain output shows for an event: finished and failed steps, warnings, build steps, the
 * ready summary, exit and cleanup. Why not every progress line: a build's log is hundreds of lines.
 */
export function plainLines(e: SessionEvent): Line[] {
  const line = eventLine(e);
  if (!line) return [];
  if (line.kind === 'progress' && !isBuildStep(line.text)) return [];
  return [line];
}

/** Why: CI logs and pipes want one line per outcome on stderr, never a redraw and never stdout. */
export function createPlainReporter(opts: { stderr: Writable; color: boolean }): Reporter {
  let finished = false;
  return {
    onEvent(e) {
      writeLines(opts.stderr, plainLines(e), opts.color);
    },
    release: () => Promise.resolve(),
    finish(outcome: Outcome) {
      if (finished) return;
      finished = true;
      if (outcome.error) writeLines(opts.stderr, errorLines(outcome.error), opts.color);
    },
  };
}
