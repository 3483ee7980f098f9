import { describe, expect, it } from 'vitest';
import type { Engine, NetworkSpec } from '../../../src/engine/engine.js';
import type { SessionEvent } from '../../../src/session/events.js';
import { sessionContext } from '../../../src/session/session-context.js';
import { networkStep } from '../../../src/session/session-steps.js';
import type { SessionDeps, SessionRequest } from '../../../src/session/session-types.js';
import type { SessionPlan } from '../../../src/policy/plan.js';

// The steps of a session's start, each on its own: what it reports and what it leaves to remove.

function fakeEngine(log: string[]): Engine {
  const engine: Partial<Engine> = {
    createNetwork: (spec: NetworkSpec) => {
      log.push(`create ${spec.name} internal=${String(spec.internal)}`);
      return Promise.resolve({ id: `id-${spec.name}`, name: spec.name });
    },
    listNetworkSubnets: () => Promise.resolve([]),
    removeNetwork: (id: string) => {
      log.push(`remove ${id}`);
      return Promise.resolve();
    },
  };
  return engine as Engine;
}

const request = { owner: 'host:1' } as SessionRequest;
const plan = { policyVersion: 'pv1' } as SessionPlan;

describe('session steps', () => {
  it('the network step reports itself and registers the network for removal', async () => {
    const events: SessionEvent[] = [];
    const log: string[] = [];
    const deps = { onEvent: (e: SessionEvent) => events.push(e), now: () => 0 } as unknown as SessionDeps;
    const ctx = sessionContext(request, deps);
    const n = await networkStep(ctx, fakeEngine(log), plan);
    expect(n.name).toBe(`ccbox-${ctx.id}-int`);
    expect(events.map((e) => e.type)).toEqual(['step-start', 'step-done']);
    expect(log).toEqual([`create ${n.name} internal=true`]);
    expect(await ctx.teardown.run()).toEqual([`network ${n.name}`]);
    expect(log.at(-1)).toBe(`remove id-${n.name}`);
  });

  it('a failing step reports the failure and leaves nothing registered', async () => {
    const events: SessionEvent[] = [];
    const deps = { onEvent: (e: SessionEvent) => events.push(e), now: () => 0 } as unknown as SessionDeps;
    const ctx = sessionContext(request, deps);
    const broken = {
      listNetworkSubnets: () => Promise.resolve([]),
      createNetwork: () => Promise.reject(new Error('no pool')),
    } as unknown as Engine;
    await expect(networkStep(ctx, broken, plan)).rejects.toThrow('no pool');
    expect(events.map((e) => e.type)).toEqual(['step-start', 'step-failed']);
    expect(await ctx.teardown.run()).toEqual([]);
  });

  it('every session gets its own id, and no model key before the profile step', () => {
    const deps = { onEvent: () => undefined } as unknown as SessionDeps;
    const a = sessionContext(request, deps);
    const b = sessionContext(request, deps);
    expect(a.id).not.toBe(b.id);

    expect(a.modelKey).toBeUndefined();
  });
});
