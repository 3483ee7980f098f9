import { inject } from 'vitest';
import { runLabels, type TestRun } from './labels.js';

/** This vitest run, as global-setup.ts provided it. */
export function testRun(): TestRun {
  const run = inject('ccboxTestRun');
  if (!run?.outsideNetwork)
    throw new Error(
      'no test network: the Docker engine did not answer when the run started (see global-setup.ts)',
    );
  return run;
}

/** The labels every object this run creates carries (the global teardown removes by them). */
export const testLabels = (): Record<string, string> => runLabels(testRun());
