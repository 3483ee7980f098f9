// The labels of the test bed: every container, network, volume and image a test creates carries them,
// so that a global teardown can find what one run left behind without touching anyone else's.

/** Marks an object as made by a test (images cached across runs carry only this one). */
export const LABEL_TEST = 'dev.ccbox.test';
/** The vitest run that made the object: the teardown removes exactly these. */
export const LABEL_RUN = 'dev.ccbox.test.run';
/** `<host>:<pid>` of the vitest process of that run: how a later run tells a dead run from a live one. */
export const LABEL_RUN_OWNER = 'dev.ccbox.test.owner';

/** One vitest run, as the global setup hands it to the test files (vitest's provide/inject). */
export interface TestRun {
  id: string;
  owner: string;
  /** The run's internal network the test gates reach "the world" through (see cli.ts). */
  outsideNetwork: string;
  /** Its subnet: profiles allow exactly this private range for the test servers on it. */
  outsideSubnet: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    ccboxTestRun: TestRun;
  }
}

/** The labels of an object made in `run`. */
export const runLabels = (run: Pick<TestRun, 'id' | 'owner'>): Record<string, string> => ({
  [LABEL_TEST]: '1',
  [LABEL_RUN]: run.id,
  [LABEL_RUN_OWNER]: run.owner,
});

/** What the reaper knows when it decides about one object. */
export interface ReapContext {
  runId: string;
  host: string;
  nowMs: number;
  isAlive(pid: number): boolean;
}

/** A dead run's objects are left this long: a safety margin should a pid be read in the wrong namespace. */
export const DEAD_RUN_MIN_AGE_MS = 10 * 60_000;
/** Objects of a run on another host (a shared remote engine) are only removed when this old. */
export const FOREIGN_RUN_MIN_AGE_MS = 24 * 60 * 60_000;

/**
 * Whether the teardown may remove an object with these labels, created at `createdMs`. Why so careful:
 * other engineers run the suite concurrently against the same engine, and their live fixtures must
 * survive; only this run's objects and those of runs whose vitest process is gone are removed.
 */
export function reapable(
  labels: Readonly<Record<string, string>> | null | undefined,
  createdMs: number,
  ctx: ReapContext,
): boolean {
  const run = labels?.[LABEL_RUN];
  if (run === undefined) return false;
  if (run === ctx.runId) return true;
  const owner = /^(.+):(\d+)$/.exec(labels?.[LABEL_RUN_OWNER] ?? '');
  if (!owner || !Number.isFinite(createdMs)) return false;
  const age = ctx.nowMs - createdMs;
  if (owner[1] !== ctx.host) return age >= FOREIGN_RUN_MIN_AGE_MS;
  return age >= DEAD_RUN_MIN_AGE_MS && !ctx.isAlive(Number(owner[2]));
}

/** Whether a process of this host is alive (EPERM: it is, just not ours to signal). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
