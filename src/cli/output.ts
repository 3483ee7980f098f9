import type { Writable } from 'node:stream';
import { CcboxError, describeError } from '../errors.js';
import { ExitCodes, type ExitCode } from '../exit-codes.js';

/** Writes one line to a stream (logs go to stderr; stdout carries only results). */
export function line(stream: Writable, text = ''): void {
  stream.write(`${text}\n`);
}

/** Prints a JSON document on stdout: the one outcome of a --json command. */
export function printJson(stream: Writable, value: unknown): void {
  stream.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Renders any failure on stderr and returns the exit code it maps to. */
export function reportError(stderr: Writable, err: unknown): ExitCode {
  if (err instanceof CcboxError) {
    line(stderr, `ccbox: ${err.message}`);
    for (const d of err.details) line(stderr, `  ${d}`);
    if (err.hint) line(stderr, `hint: ${err.hint}`);
    return err.exitCode;
  }
  line(stderr, `ccbox: internal error: ${describeError(err)}`);
  if (err instanceof Error && err.stack) line(stderr, err.stack.split('\n').slice(1, 6).join('\n'));
  line(stderr, 'hint: this is a bug in ccbox; please report it with the command you ran');
  return ExitCodes.internal;
}

/** The JSON outcome for a failure, for --json callers. */
export function errorOutcome(err: unknown): {
  ok: false;
  error: { code: string; message: string; hint?: string; details?: readonly string[] };
} {
  if (err instanceof CcboxError) {
    return {
      ok: false,
      error: {
        code: err.code,
        message: err.message,
        ...(err.hint ? { hint: err.hint } : {}),
        ...(err.details.length ? { details: err.details } : {}),
      },
    };
  }
  return { ok: false, error: { code: 'INTERNAL', message: describeError(err) } };
}
