import type { Socket } from 'node:net';
import type { GateContext } from './context.js';
import { record, refusal } from './context.js';
import { refuseSocket } from './respond.js';

/**
 * Records a refusal that happened before any request could be decided (a parse error, a deadline, an
 * eviction): no host is known, so the event names none. Why at all: every refusal is evidence.
 */
export function recordEarly(ctx: GateContext, rule: string, reason: string, outcome?: 'aborted'): void {
  const now = { startedAt: Date.now(), startedMono: performance.now(), bytesUp: 0, bytesDown: 0 };
  const fields = { ...now, method: 'HTTP' as const, host: '', port: 0, address: null };
  record(ctx, { ...fields, verdict: refusal(rule, reason), ...(outcome ? { outcome } : {}) });
}

/** How many client connections a gate holds at once: two per tunnel slot, plus some for keep-alive. */
export const connectionBudget = (maxTunnels: number): number => maxTunnels * 2 + 64;

/**
 * Accepts a new client connection within the budget. Why slowest-first eviction rather than a
 * per-source limit: every agent process of a session shares one source address, so a per-source cap
 * would let one process's slow connections starve the others. When the budget is full, the connection
 * that has gone longest without progress and carries no request (a slow head, an idle keep-alive) is
 * closed and recorded; only if every connection carries a request is the newcomer refused (503).
 */
export function acceptConnection(ctx: GateContext, socket: Socket, budget: number): void {
  if (ctx.clients.size >= budget) {
    let victim: Socket | undefined;
    let oldest = Infinity;
    for (const [other, state] of ctx.clients) {
      if (state.busy === 0 && state.since < oldest) {
        oldest = state.since;
        victim = other;
      }
    }
    if (victim === undefined) {
      const why = `the gate's ${budget} connections all carry requests; try again`;
      recordEarly(ctx, 'deny:connection-budget', why);
      socket.on('error', () => socket.destroy());
      refuseSocket(socket, 503, 'deny:connection-budget', why);
      return;
    }
    const idleMs = Math.round(performance.now() - oldest);
    const why = `evicted: the gate's ${budget} connections were in use and this one had made no progress for ${idleMs} ms (slowest first)`;
    recordEarly(ctx, 'deny:evicted', why);
    ctx.clients.delete(victim);
    victim.destroy();
  }
  ctx.clients.set(socket, { since: performance.now(), busy: 0, consumed: 0, refused: false });
  socket.once('close', () => ctx.clients.delete(socket));
}

/**
 * The event and the answer for an error Node's HTTP parser raised on a connection, before any request
 * was decided. A reset with nothing half-sent is a client closing an idle connection: not a refusal.
 */
export function onClientError(ctx: GateContext, error: NodeJS.ErrnoException, socket: Socket): void {
  const state = ctx.clients.get(socket);
  if (state?.refused === true) return void socket.destroy();
  if (state !== undefined) state.refused = true;
  const halfSent = socket.bytesRead > (state?.consumed ?? 0);
  if (error.code === 'ECONNRESET' || error.code === 'EPIPE' || !socket.writable) {
    if (halfSent && state?.busy === 0)
      recordEarly(ctx, 'aborted:client-reset', 'the client reset the connection mid-request', 'aborted');
    socket.destroy();
    return;
  }
  const timeout = error.code === 'ERR_HTTP_REQUEST_TIMEOUT';
  const overflow = error.code === 'HPE_HEADER_OVERFLOW';
  const status = overflow ? 431 : timeout ? 408 : 400;
  const rule = overflow ? 'deny:header-too-large' : timeout ? 'deny:header-timeout' : 'deny:bad-request';
  // The parser's own words name what is wrong without echoing the request.
  const detail = error.message.replace(/^Parse Error: /, '');
  const reason = timeout
    ? 'no complete request head within the header deadline'
    : `malformed request (${error.code ?? 'parse error'}: ${detail})`;
  recordEarly(ctx, rule, reason);
  refuseSocket(socket, status, rule, reason);
}
