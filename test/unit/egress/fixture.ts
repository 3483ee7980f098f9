import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { openAuditSink } from '../../../egress/src/events.js';
import type { EventSink } from '../../../egress/src/events.js';
import { startGate } from '../../../egress/src/gate.js';
import type { GateHandle } from '../../../egress/src/gate.js';
import type { AuditEvent } from '../../../src/audit/event.js';
import type { EgressPolicy } from '../../../src/policy/egress/index.js';
import { startEcho, startHttpUpstream, tableResolver, testPolicy } from './helpers.js';

/** A gate on loopback with an echo and an HTTP upstream, both reachable as test names. */
export interface GateFixture {
  echo: Awaited<ReturnType<typeof startEcho>>;
  web: Awaited<ReturnType<typeof startHttpUpstream>>;
  /** Starts a gate (closed after each test) whose events go to a fresh JSON-lines file. */
  start(overrides?: Partial<EgressPolicy>, sink?: EventSink): Promise<GateHandle>;
  /** Closes the gate (flushing its sink) and returns the events it wrote to its file. */
  events(): Promise<AuditEvent[]>;
}

/**
 * Registers the hooks and returns the fixture. Names resolve (through the injected resolver) to
 * 127.0.0.1, which the policy opens with allowCidrs 127.0.0.1/32; nothing leaves loopback.
 */
export function useGateFixture(): GateFixture {
  let dir = '';
  let logPath = '';
  let gate: GateHandle | undefined;
  const fixture = {
    start: async (overrides: Partial<EgressPolicy> = {}, sink?: EventSink): Promise<GateHandle> => {
      logPath = join(dir, `events-${Math.random().toString(36).slice(2)}.jsonl`);
      gate = await startGate({
        policy: testPolicy({
          allowHosts: ['echo.test', 'web.test'],
          ports: [fixture.echo.port, fixture.web.port],
          // The echo port carries raw bytes (tunnel mechanics); tunnel-check tests use web.test's port.
          rawTunnelPorts: [fixture.echo.port],
          allowCidrs: ['127.0.0.1/32'],
          ...overrides,
        }),
        session: 'sess-1',
        sink: sink ?? (await openAuditSink(logPath)),
        host: '127.0.0.1',
        port: 0,
        resolver: tableResolver({
          'echo.test': ['127.0.0.1'],
          'web.test': ['127.0.0.1'],
          'other.test': ['127.0.0.1'],
        }),
        log: () => undefined,
      });
      return gate;
    },
    events: async (): Promise<AuditEvent[]> => {
      await gate?.close({ drainMs: 0 });
      const text = await readFile(logPath, 'utf8');
      return text
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as AuditEvent);
    },
  } as GateFixture;
  beforeAll(async () => {
    fixture.echo = await startEcho();
    fixture.web = await startHttpUpstream();
    dir = await mkdtemp(join(tmpdir(), 'ccbox-gate-'));
  });
  afterEach(async () => {
    await gate?.close({ drainMs: 0 });
    gate = undefined;
  });
  afterAll(async () => {
    fixture.echo.server.close();
    fixture.web.server.close();
    await rm(dir, { recursive: true, force: true });
  });
  return fixture;
}
