import type { Readable } from 'node:stream';
import { CcboxError } from '../errors.js';
import { ExitCodes } from '../exit-codes.js';
import type { BuildProgress } from '../engine/engine.js';

const LOG_TAIL = 20;
const STEP_LINE = /^(step)\s+\d+\/\d+\s*:/i;

/**
 * Why: build output is text from inside the image (and Docker colours stderr); escape sequences in it
 * must not reach the user's terminal or the error details.
 */
export function stripControls(text: string): string {
  return text.replace(CONTROLS, '');
}

// OSC sequences, CSI sequences, other ESC pairs, then any remaining C0 control (tab and newline stay).
/* eslint-disable no-control-regex -- matching control characters is the point */
const CONTROLS =
  /\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)|\u001b\[[0-9;?]*[ -/]*[@-~]|\u001b[@-_]|[\u0000-\u0008\u000b-\u001f\u007f]/g;
/* eslint-enable no-control-regex */

/** What a finished build stream said. */
export interface BuildStreamOutcome {
  imageId: string | undefined;
  lastStep: string | undefined;
  tail: string[];
}

/**
 * Reads an engine build (or import) stream of JSON messages and fails on an `error`/`errorDetail`
 * message. Why our own loop: docker-modem's followProgress calls back with success when the stream
 * carried an error message, which would turn a failed build into a silent success.
 */
export class BuildStreamScanner {
  private buffered = '';
  private partialLine = '';
  private lastStep: string | undefined;
  private readonly tail: string[] = [];
  private imageId: string | undefined;
  private failure: string | undefined;
  private pull: string | undefined;

  constructor(private readonly onProgress: (event: BuildProgress) => void) {}

  /** Feeds raw bytes; returns false once the stream reported an error or a pull (stop reading then). */
  push(chunk: Buffer | string): boolean {
    this.buffered += chunk.toString();
    let newline = this.buffered.indexOf('\n');
    while (newline !== -1) {
      this.handleLine(this.buffered.slice(0, newline));
      this.buffered = this.buffered.slice(newline + 1);
      newline = this.buffered.indexOf('\n');
    }
    return this.failure === undefined && this.pull === undefined;
  }

  private handleLine(line: string): void {
    const trimmed = line.trim();
    if (trimmed === '') return;
    let message: unknown;
    try {
      message = JSON.parse(trimmed);
    } catch {
      this.addText(`${trimmed}\n`);
      return;
    }
    if (typeof message !== 'object' || message === null) return;
    const m = message as Record<string, unknown>;
    const detail = m.errorDetail as { message?: unknown } | undefined;
    if (typeof m.error === 'string' || (typeof detail === 'object' && detail !== null)) {
      const text = typeof detail?.message === 'string' ? detail.message : String(m.error);
      this.failure ??= text.trim();
      return;
    }
    if (typeof m.stream === 'string') this.addText(m.stream);
    if (typeof m.status === 'string') {
      // Why: a registry pull shows up as a status line; ccbox never pulls, so the build is stopped.
      if (/^pulling\b|^downloading\b|pulling fs layer/i.test(m.status)) {
        this.pull ??= m.status;
        this.onProgress({ kind: 'pull-blocked', text: m.status });
      } else {
        this.addText(`${m.status}\n`);
      }
    }
    const aux = m.aux as { ID?: unknown } | undefined;
    if (typeof aux === 'object' && aux !== null && typeof aux.ID === 'string') this.imageId = aux.ID;
  }

  private addText(text: string): void {
    const lines = (this.partialLine + text).split('\n');
    this.partialLine = lines.pop() ?? '';
    for (const line of lines) this.addLine(line);
  }

  private addLine(raw: string): void {
    const line = stripControls(raw).trimEnd();
    if (line === '') return;
    const built = /^Successfully built ([0-9a-f]+)$/.exec(line);
    if (built?.[1] && this.imageId === undefined) this.imageId = built[1];
    if (STEP_LINE.test(line)) {
      this.lastStep = line;
      this.onProgress({ kind: 'step', text: line });
    } else {
      this.onProgress({ kind: 'log', text: line });
    }
    this.tail.push(line);
    if (this.tail.length > LOG_TAIL) this.tail.shift();
  }

  /** Call when the stream ended cleanly: throws if any message reported an error or a pull. */
  finish(what: string): BuildStreamOutcome {
    if (this.buffered.trim() !== '') this.handleLine(this.buffered);
    this.buffered = '';
    if (this.partialLine !== '') this.addLine(this.partialLine);
    this.partialLine = '';
    if (this.pull !== undefined) {
      throw new CcboxError(`${what} tried to pull from a registry (${this.pull}); ccbox never pulls.`, {
        code: 'IMAGE_PULL_BLOCKED',
        exitCode: ExitCodes.imageBuildFailed,
        hint: 'Build or import the base image locally first (`ccbox image base`).',
        details: this.tail,
      });
    }
    if (this.failure !== undefined) throw this.failureError(what, this.failure);
    return { imageId: this.imageId, lastStep: this.lastStep, tail: [...this.tail] };
  }

  /** The error for a build that failed with `message` (from the stream or the transport). */
  failureError(what: string, message: string, cause?: unknown): CcboxError {
    const at = this.lastStep === undefined ? '' : ` at ${this.lastStep}`;
    return new CcboxError(`${what} failed${at}: ${message}`, {
      code: 'IMAGE_BUILD_FAILED',
      exitCode: ExitCodes.imageBuildFailed,
      hint: 'The last lines of the build output are shown above.',
      details: [...this.tail],
      cause,
    });
  }
}

/** Reads a whole build stream through the scanner; rejects on an error message, a pull or a broken stream. */
export function scanBuildStream(
  stream: Readable,
  what: string,
  onProgress: (event: BuildProgress) => void,
): Promise<BuildStreamOutcome> {
  const scanner = new BuildStreamScanner(onProgress);
  return new Promise<BuildStreamOutcome>((resolve, reject) => {
    let settled = false;
    const settle = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      fn();
    };
    stream.on('data', (chunk: Buffer) => {
      if (!scanner.push(chunk)) {
        // Stop the build: closing the connection makes the engine cancel it.
        settle(() => {
          try {
            scanner.finish(what);
          } catch (err) {
            reject(err instanceof Error ? err : new Error(String(err)));
          }
        });
        stream.destroy();
      }
    });
    stream.on('error', (err: Error) => {
      settle(() => reject(scanner.failureError(what, `the engine stream broke: ${err.message}`, err)));
    });
    stream.on('end', () => {
      settle(() => {
        try {
          resolve(scanner.finish(what));
        } catch (err) {
          reject(err instanceof Error ? err : new Error(String(err)));
        }
      });
    });
    stream.on('close', () => {
      settle(() => reject(scanner.failureError(what, 'the engine closed the stream before it ended')));
    });
  });
}
