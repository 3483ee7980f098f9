import type { ErrorCode } from './error-codes.js';
import type { ExitCode } from './exit-codes.js';

/** Why: every failure carries a stable code, the exit code it maps to, and a hint that says how to go on. */
export interface CcboxErrorOptions {
  /** One of the list in error-codes.ts. */
  code: ErrorCode;
  exitCode: ExitCode;
  hint?: string;
  cause?: unknown;
  /** Extra lines (one per problem) printed under the message, e.g. each invalid profile field. */
  details?: readonly string[];
}

export class CcboxError extends Error {
  readonly code: ErrorCode;
  readonly exitCode: ExitCode;
  readonly hint: string | undefined;
  readonly details: readonly string[];

  constructor(message: string, options: CcboxErrorOptions) {
    super(message, { cause: options.cause });
    this.name = 'CcboxError';
    this.code = options.code;
    this.exitCode = options.exitCode;
    this.hint = options.hint;
    this.details = options.details ?? [];
  }
}

export function isCcboxError(value: unknown): value is CcboxError {
  return value instanceof CcboxError;
}

/** Renders an unknown thrown value as one line, without ever assuming its shape. */
export function describeError(value: unknown): string {
  if (value instanceof Error) return value.message;
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}
