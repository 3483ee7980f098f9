import type { Socket } from 'node:net';
import { decideTarget } from '../../src/policy/egress/index.js';
import type {
  Authority,
  CompiledEgressPolicy,
  EventDecision,
  TargetVerdict,
  Verdict,
} from '../../src/policy/egress/index.js';
import type { CopyPool } from './copy-pool.js';
import type { EventSink } from './events.js';
import type { Resolver } from './resolver.js';
import type { Connector } from './upstream.js';

/** Live state of one gate, shared by its request handlers. One per gate: no module-level state. */
export interface GateContext {
  policy: CompiledEgressPolicy;
  session: string;
  sink: EventSink;
  resolver: Resolver;
  /** Wraps the configured connector so every upstream socket is counted. */
  connector: Connector;
  log: (line: string) => void;
  /** Client sockets: everything accepted and not yet closed, with what the budget needs to know. */
  clients: Map<Socket, ClientState>;
  upstreams: Set<Socket>;
  /** In-flight CONNECT tunnels and forwarded HTTP requests; `destroy` ends one at once (and aborts its lookup or connect). */
  active: Set<ActiveFlow>;
  closing: boolean;
  /** The one buffer every tunnel's upstream reads into (downlink.ts says why one is enough). */
  readBuffer: Buffer;
  /** Where each read is copied out of `readBuffer` for the client's write (copy-pool.ts). */
  copies: CopyPool;
  counters: { allowed: number; denied: number; failed: number; aborted: number; refusedAtCap: number };
}

/** One client connection as the connection budget sees it (budget.ts). */
export interface ClientState {
  /** When it last made progress: accepted, or its last request finished (performance.now()). */
  since: number;
  /** Requests or a tunnel in flight on it; a busy connection is never evicted. */
  busy: number;
  /** socket.bytesRead when its last request finished: more read since means a request is half-sent. */
  consumed: number;
  /** Already refused and recorded: what the client does next (e.g. a reset) is not another event. */
  refused: boolean;
}

/**
 * Marks the connection under a request busy until the returned release is called (once). Why: the
 * connection budget evicts only connections that are not carrying a request, slowest first.
 */
export function busy(ctx: GateContext, socket: Socket): () => void {
  const state = ctx.clients.get(socket);
  if (state === undefined) return () => undefined;
  state.busy += 1;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    state.busy -= 1;
    state.since = performance.now();
    state.consumed = socket.bytesRead;
  };
}

/** One tunnel or forwarded request holding a slot under `maxTunnels`. */
export interface ActiveFlow {
  kind: 'CONNECT' | 'HTTP';
  destroy(): void;
}

/** What an event says beyond what every event carries. */
export interface EventFields {
  method: 'CONNECT' | 'HTTP';
  host: string;
  port: number;
  address: string | null;
  verdict: Verdict;
  /** Overrides verdict.forwarded when traffic did not flow after all (e.g. the upstream refused). */
  forwarded?: boolean;
  /** How it ended when that was not the verdict's decision: unreachable, or the client went away. */
  outcome?: Extract<EventDecision, 'failed' | 'aborted'>;
  reason?: string;
  bytesUp: number;
  bytesDown: number;
  /** Wall-clock start (ms since epoch) and monotonic start (performance.now()). */
  startedAt: number;
  startedMono: number;
}

/** Writes one decision event and counts it. */
export function record(ctx: GateContext, fields: EventFields): void {
  const { verdict } = fields;
  const decision: EventDecision = fields.outcome ?? verdict.decision;
  if (decision === 'allow') ctx.counters.allowed += 1;
  else if (decision === 'deny') ctx.counters.denied += 1;
  else ctx.counters[decision] += 1;
  // The egress decision as an audit event: observed by the gate, `what` is the destination.
  ctx.sink.write({
    type: 'decision',
    source: 'egress',
    provenance: 'observed',
    session: ctx.session,
    time: new Date(fields.startedAt).toISOString(),
    what: `${fields.host}:${fields.port}`,
    method: fields.method,
    host: fields.host,
    port: fields.port,
    address: fields.address,
    rule: verdict.rule,
    decision,
    mode: ctx.policy.mode,
    forwarded: fields.forwarded ?? verdict.forwarded,
    reason: fields.reason ?? verdict.reason,
    bytesUp: fields.bytesUp,
    bytesDown: fields.bytesDown,
    durationMs: Math.round((performance.now() - fields.startedMono) * 1000) / 1000,
    policyVersion: ctx.policy.policyVersion,
  });
}

/** A gate-level refusal that no mode lets through (bad request, cap, shutdown, lookup failure). */
export function refusal(rule: string, reason: string): Verdict {
  return { decision: 'deny', rule, reason, forwarded: false };
}

/** The outcome of admitting a request: the target to open, or the refusal to answer with. */
export type Admission =
  | { admitted: true; target: TargetVerdict }
  | { admitted: false; host: string; port: number; verdict: Verdict; address: string | null };

/**
 * The policy decision before any lookup, and the cap on concurrent flows: one check for CONNECT and
 * for plain HTTP, so the two paths cannot drift apart.
 */
export function admit(ctx: GateContext, authority: Authority): Admission {
  const target = decideTarget(ctx.policy, authority);
  if (!target.forwarded)
    return {
      admitted: false,
      host: target.host,
      port: target.port,
      verdict: target,
      address: target.address,
    };
  if (ctx.active.size >= ctx.policy.source.maxTunnels) {
    ctx.counters.refusedAtCap += 1;
    const why = `too many concurrent tunnels (limit ${ctx.policy.source.maxTunnels})`;
    return {
      admitted: false,
      host: target.host,
      port: target.port,
      verdict: refusal('deny:tunnel-cap', why),
      address: null,
    };
  }
  return { admitted: true, target };
}
