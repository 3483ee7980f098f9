import { afterAll, afterEach, beforeAll } from 'vitest';
import { startGate } from '../../../egress/src/gate.js';
import type { GateHandle } from '../../../egress/src/gate.js';
import type { EgressPolicy } from '../../../src/policy/egress/index.js';
import { memorySink, startRecorder, tableResolver, testPolicy } from './helpers.js';

/** A gate whose allowed names all resolve to one byte-recording upstream on loopback. */
export interface RecorderFixture {
  rec: Awaited<ReturnType<typeof startRecorder>>;
  sink: ReturnType<typeof memorySink>;
  gate: GateHandle | undefined;
  /** Starts a gate (closed after each test) allowing `names` on the recorder's port, with a fresh sink. */
  start(overrides?: Partial<EgressPolicy>): Promise<GateHandle>;
}

/** Registers the hooks; `names` resolve (through the injected resolver) to 127.0.0.1. */
export function useRecorderGate(session: string, names: readonly string[]): RecorderFixture {
  const fixture = {
    sink: memorySink(),
    gate: undefined,
    start: async (overrides: Partial<EgressPolicy> = {}): Promise<GateHandle> => {
      fixture.sink = memorySink();
      fixture.gate = await startGate({
        policy: testPolicy({
          allowHosts: [...names],
          ports: [fixture.rec.port],
          allowCidrs: ['127.0.0.1/32'],
          ...overrides,
        }),
        session,
        sink: fixture.sink,
        host: '127.0.0.1',
        port: 0,
        resolver: tableResolver(Object.fromEntries(names.map((n) => [n, ['127.0.0.1']]))),
        log: () => undefined,
      });
      return fixture.gate;
    },
  } as RecorderFixture;
  beforeAll(async () => {
    fixture.rec = await startRecorder();
  });
  afterEach(async () => {
    await fixture.gate?.close({ drainMs: 0 });
    fixture.gate = undefined;
  });
  afterAll(() => fixture.rec.server.close());
  return fixture;
}
