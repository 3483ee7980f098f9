import { describe, expect, it } from 'vitest';
import {
  DEAD_RUN_MIN_AGE_MS,
  FOREIGN_RUN_MIN_AGE_MS,
  LABEL_TEST,
  reapable,
  runLabels,
} from '../../docker/testbed/labels.js';

// The global teardown's one decision: what of the engine's test-labelled objects it may remove while
// other engineers' runs are live on the same engine.

const now = 10 * FOREIGN_RUN_MIN_AGE_MS;
const live = new Set([111]);
const ctx = { runId: 'me', host: 'box', nowMs: now, isAlive: (pid: number) => live.has(pid) };
const old = now - DEAD_RUN_MIN_AGE_MS;

describe('reapable', () => {
  it('removes this run’s objects, however young', () => {
    expect(reapable(runLabels({ id: 'me', owner: 'box:111' }), now, ctx)).toBe(true);
  });

  it('removes a dead run’s objects once they are old enough, never a live run’s', () => {
    expect(reapable(runLabels({ id: 'dead', owner: 'box:222' }), old, ctx)).toBe(true);
    expect(reapable(runLabels({ id: 'dead', owner: 'box:222' }), old + 1, ctx)).toBe(false);
    expect(reapable(runLabels({ id: 'other', owner: 'box:111' }), 0, ctx)).toBe(false);
  });

  it('leaves another host’s runs for a day, and objects without a run label always', () => {
    expect(reapable(runLabels({ id: 'x', owner: 'elsewhere:222' }), old, ctx)).toBe(false);
    expect(reapable(runLabels({ id: 'x', owner: 'elsewhere:222' }), now - FOREIGN_RUN_MIN_AGE_MS, ctx)).toBe(
      true,
    );
    expect(reapable({ [LABEL_TEST]: '1' }, 0, ctx)).toBe(false);
    expect(reapable(undefined, 0, ctx)).toBe(false);
    expect(reapable({ ...runLabels({ id: 'x', owner: 'garbled' }) }, 0, ctx)).toBe(false);
    expect(reapable(runLabels({ id: 'x', owner: 'box:222' }), NaN, ctx)).toBe(false);
  });
});
