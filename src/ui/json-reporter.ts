import type { Writable } from 'node:stream';
import { errorLines, eventLine } from './format.js';
import { writeLines } from './plain-reporter.js';
import { jsonOutcome, newRecord, recordEvent } from './record.js';
import type { Outcome, Reporter } from './types.js';

/**
 * Why: a script reads exactly one JSON line on stdout and nothing else there; stderr carries only what a
 * person must see even in a pipeline (warnings and failures), as plain uncoloured lines.
 */
export function createJsonReporter(opts: { stderr: Writable; stdout: Writable }): Reporter {
  const rec = newRecord();
  let finished = false;
  return {
    onEvent(e) {
      recordEvent(rec, e);
      if (
        e.type === 'warning' ||
        e.type === 'step-failed' ||
        e.type === 'leftover' ||
        e.type === 'control-changed'
      ) {
        const line = eventLine(e);
        if (line) writeLines(opts.stderr, [line], false);
      }
    },
    release: () => Promise.resolve(),
    finish(outcome: Outcome) {
      if (finished) return;
      finished = true;
      if (outcome.error) writeLines(opts.stderr, errorLines(outcome.error), false);
      opts.stdout.write(`${JSON.stringify(jsonOutcome(rec, outcome))}\n`);
    },
  };
}
