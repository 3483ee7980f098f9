import { http } from './builtins.js';
import type { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { compileEgressPolicy } from '../../src/policy/egress/index.js';
import type { EgressPolicy } from '../../src/policy/egress/index.js';
import { handleConnect } from './connect.js';
import { acceptConnection, connectionBudget, onClientError } from './connections.js';
import type { ClientState, GateContext } from './context.js';
import { record, refusal } from './context.js';
import type { EventSink } from './events.js';
import { handleRequest } from './forward.js';
import { cachingResolver, systemResolver } from './resolver.js';
import type { Resolver } from './resolver.js';
import { refuseSocket } from './respond.js';
import { copyPool } from './copy-pool.js';
import { READ_BUFFER_BYTES } from './downlink.js';
import { directConnector } from './upstream.js';
import type { Connector } from './upstream.js';

// Released copy buffers kept for reuse (16 x 256 KiB = 4 MiB): each transferring tunnel holds at most
// one large copy in flight (its write returns false and pauses the upstream), so this covers 16 at once.
const COPIES_KEPT = 16;

/** What startGate needs. Everything from the environment is read by main.ts and passed in here. */
export interface GateOptions {
  /** The policy; compiled (and validated) at start, so a bad one throws EgressPolicyError. */
  policy: EgressPolicy;
  /** Session id written into every event. */
  session: string;
  /** Where decision events go; the gate closes it on close(). */
  sink: EventSink;
  /** Listen address (default 0.0.0.0) and port (default 3128; 0 picks a free one). */
  host?: string;
  port?: number;
  /** Name lookup; default: dns.lookup, cached for `dnsCacheMs`. */
  resolver?: Resolver;
  /** Answers cached by the default resolver, in ms (default 5000; 0 turns the cache off). */
  dnsCacheMs?: number;
  /** Upstream dialler; default: a plain TCP connect to the checked address. */
  connector?: Connector;
  /** Human log lines (stderr by default). */
  log?: (line: string) => void;
  /** Time a client has to send its request head (default: the policy's, 10 s): stops slow-header stalls. */
  headersTimeoutMs?: number;
  /** How long close() lets tunnels drain before destroying them (default 10 s). */
  drainTimeoutMs?: number;
}

/** Counters for tests and the health of a running gate. */
export interface GateStats {
  clientSockets: number;
  upstreamSockets: number;
  tunnels: number;
  requests: number;
  allowed: number;
  denied: number;
  failed: number;
  aborted: number;
  refusedAtCap: number;
  closing: boolean;
}

/** A running gate. */
export interface GateHandle {
  port: number;
  address: string;
  stats(): GateStats;
  /** Stops accepting, lets tunnels drain up to `drainMs`, destroys the rest, then flushes the sink. */
  close(options?: { drainMs?: number }): Promise<void>;
}

/**
 * Starts the gate. Why Node's own http server rather than a proxy package: its llhttp parser already
 * handles CONNECT and absolute-URI requests, the gate must run from compiled JS without node_modules,
 * and every policy step (one lookup, check every answer, dial only the checked address) needs hooks
 * that proxy libraries hide behind their own DNS and agents.
 */
export async function startGate(options: GateOptions): Promise<GateHandle> {
  const policy = compileEgressPolicy(options.policy);
  const log = options.log ?? ((line: string) => void process.stderr.write(`${line}\n`));
  const dnsCacheMs = options.dnsCacheMs ?? 5_000;
  const baseResolver = options.resolver ?? systemResolver();
  const resolver =
    options.resolver === undefined && dnsCacheMs > 0
      ? cachingResolver(baseResolver, { ttlMs: dnsCacheMs, maxEntries: 1024 })
      : baseResolver;
  const dial = options.connector ?? directConnector;
  const ctx: GateContext = {
    policy,
    session: options.session,
    sink: options.sink,
    resolver,
    connector: (address, port, reader) => {
      const socket = dial(address, port, reader);
      ctx.upstreams.add(socket);
      socket.once('close', () => ctx.upstreams.delete(socket));
      return socket;
    },
    log,
    clients: new Map<Socket, ClientState>(),
    upstreams: new Set<Socket>(),
    active: new Set(),
    closing: false,
    readBuffer: Buffer.allocUnsafe(READ_BUFFER_BYTES),
    copies: copyPool({ size: READ_BUFFER_BYTES, keep: COPIES_KEPT }),
    counters: { allowed: 0, denied: 0, failed: 0, aborted: 0, refusedAtCap: 0 },
  };

  const headersTimeout = options.headersTimeoutMs ?? policy.headersTimeoutMs;
  if (options.headersTimeoutMs !== undefined) ctx.policy = { ...policy, headersTimeoutMs: headersTimeout };
  const server = http.createServer({
    headersTimeout,
    // Why a short check interval: Node enforces headersTimeout only when it scans its connections
    // (every 30 s by default), so a slow client would live up to 30 s past the deadline.
    connectionsCheckingInterval: Math.max(50, Math.min(500, Math.floor(headersTimeout / 4))),
    // Tunnels and slow downloads are bounded by the idle timeout instead of a whole-request deadline.
    requestTimeout: 0,
    keepAliveTimeout: 5_000,
    noDelay: true,
  });
  server.timeout = policy.source.idleTimeoutMs;
  // Why our own budget rather than server.maxConnections: Node drops connections over that limit
  // silently, so a crowd of slow clients would reset everyone else's (connections.ts).
  const budget = connectionBudget(policy.source.maxTunnels);
  server.on('connection', (socket: Socket) => acceptConnection(ctx, socket, budget));
  server.on('connect', (req, socket: Socket, head: Buffer) => handleConnect(ctx, req, socket, head));
  server.on('request', (req, res) => handleRequest(ctx, req, res));
  server.on('upgrade', (req, socket: Socket) => {
    socket.on('error', () => socket.destroy());
    const verdict = refusal(
      'deny:upgrade',
      'protocol upgrades over plain HTTP are not forwarded; use CONNECT',
    );
    const now = { startedAt: Date.now(), startedMono: performance.now(), bytesUp: 0, bytesDown: 0 };
    record(ctx, {
      ...now,
      method: 'HTTP',
      host: (req.url ?? '').slice(0, 255),
      port: 0,
      address: null,
      verdict,
    });
    refuseSocket(socket, 403, verdict.rule, verdict.reason);
  });
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) =>
    onClientError(ctx, error, socket),
  );

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 3128, options.host ?? '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (error: Error) => log(`gate: server error: ${error.message}`));
  const bound = server.address();
  if (bound === null || typeof bound === 'string') throw new Error('gate: server has no TCP address');

  let closing: Promise<void> | null = null;
  const close = async (drainMs: number): Promise<void> => {
    ctx.closing = true;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const deadline = performance.now() + drainMs;
    while (ctx.active.size > 0 && performance.now() < deadline) await sleep(20);
    if (ctx.active.size > 0)
      log(`gate: ${ctx.active.size} tunnel(s) still open after ${drainMs} ms; closing them`);
    for (const flow of ctx.active) flow.destroy();
    for (const socket of ctx.clients.keys()) socket.destroy();
    server.closeAllConnections();
    await closed;
    // Destroyed flows write their last event as their sockets close; give them a moment, then flush.
    const flushBy = performance.now() + 2_000;
    while (ctx.active.size > 0 && performance.now() < flushBy) await sleep(10);
    await options.sink.close();
  };

  return {
    port: bound.port,
    address: bound.address,
    stats: () => ({
      clientSockets: ctx.clients.size,
      upstreamSockets: ctx.upstreams.size,
      tunnels: [...ctx.active].filter((flow) => flow.kind === 'CONNECT').length,
      requests: [...ctx.active].filter((flow) => flow.kind === 'HTTP').length,
      ...ctx.counters,
      closing: ctx.closing,
    }),
    close: (closeOptions) => (closing ??= close(closeOptions?.drainMs ?? options.drainTimeoutMs ?? 10_000)),
  };
}
