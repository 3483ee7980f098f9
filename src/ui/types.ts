import type { Writable } from 'node:stream';
import type { SessionEvent } from '../session/events.js';

/** What failed, as the CLI reports it: a stable code, a message and how to go on. */
export interface OutcomeError {
  code: string;
  message: string;
  hint?: string;
}

/** How a command ended; `finish` renders it (and, with --json, prints it as the one stdout line). */
export interface Outcome {
  exitCode: number;
  session?: string;
  error?: OutcomeError;
}

/**
 * Why one interface for three outputs: the session core emits events and never knows whether a person
 * (Ink), a log (plain lines) or a script (JSON) is watching.
 */
export interface Reporter {
  onEvent(e: SessionEvent): void;
  /** Stop drawing and give the terminal up (Ink unmounted and flushed, cursor shown). Idempotent. */
  release(): Promise<void>;
  /** Final outcome: renders the error if any; in JSON mode prints the one outcome line. Only the first call counts. */
  finish(outcome: Outcome): void;
}

/** Where reporters write: stderr for everything a person reads, stdout only for the JSON outcome. */
export interface ReporterOptions {
  mode: 'ink' | 'plain' | 'json';
  stderr: Writable & { isTTY?: boolean; columns?: number };
  stdout: Writable;
  /** Width for the live view; defaults to the stream's own `columns`. */
  columns?: number;
  /** Colours on stderr; defaults to `stderr.isTTY`. Pass false for NO_COLOR. */
  color?: boolean;
}
