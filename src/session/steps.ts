import type { SessionEventSink, StepId } from './events.js';
import { describeError } from '../errors.js';

/** Runs one named step, reporting its start, its end (with time and detail) or its failure. */
export type StepRunner = <T>(
  stepId: StepId,
  title: string,
  fn: () => Promise<T>,
  detail?: (v: T) => string,
) => Promise<T>;

export function stepRunner(emit: SessionEventSink, now: () => number): StepRunner {
  return async (stepId, title, fn, detail) => {
    const start = now();
    emit({ type: 'step-start', step: stepId, title, at: start });
    try {
      const value = await fn();
      emit({
        type: 'step-done',
        step: stepId,
        title,
        at: now(),
        ms: now() - start,
        ...(detail ? { detail: detail(value) } : {}),
      });
      return value;
    } catch (err) {
      emit({
        type: 'step-failed',
        step: stepId,
        title,
        error: describeError(err),
        at: now(),
        ms: now() - start,
      });
      throw err;
    }
  };
}

/**
 * What a session created, to be removed again. Why one list: whatever step fails, and however the
 * session ends, everything created before is removed, containers first (in parallel), then the rest
 * newest first.
 */
export class Teardown {
  private readonly entries: Array<{ what: string; run: () => Promise<void>; container: boolean }> = [];
  private readonly removed: string[] = [];
  private containerFailures = 0;

  constructor(private readonly warn: (text: string) => void) {}

  add(what: string, run: () => Promise<void>, opts: { container?: boolean } = {}): void {
    this.entries.push({ what, run, container: opts.container === true });
  }

  async run(): Promise<string[]> {
    const containers = this.entries.filter((e) => e.container);
    const rest = this.entries.filter((e) => !e.container);
    this.entries.length = 0;
    const ok = await Promise.all(containers.map((e) => this.attempt(e)));
    this.containerFailures += ok.filter((x) => !x).length;
    for (const e of rest.reverse()) await this.attempt(e);
    return [...this.removed];
  }

  /** Were all containers removed? Why it matters: what runs after them may read what the agent wrote. */
  get containersGone(): boolean {
    return this.containerFailures === 0;
  }

  private async attempt(e: { what: string; run: () => Promise<void> }): Promise<boolean> {
    try {
      await e.run();
      this.removed.push(e.what);
      return true;
    } catch (err) {
      this.warn(`could not remove ${e.what}: ${describeError(err)}`);
      return false;
    }
  }
}
