import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { parseAuthority } from '../../src/policy/egress/index.js';
import type { Verdict } from '../../src/policy/egress/index.js';
import type { ActiveFlow, GateContext } from './context.js';
import { admit, busy, record, refusal } from './context.js';
import { downlink } from './downlink.js';
import { openUpstream } from './open.js';
import { refuseSocket, statusFor } from './respond.js';
import { holdFirstBytes } from './tunnel-start.js';

const ESTABLISHED = 'HTTP/1.1 200 Connection Established\r\n\r\n';

/**
 * Handles one CONNECT: decide, resolve, dial the checked address, answer 200, check the client's first
 * bytes (ClientHello server name or first Host, tunnel-check.ts) while none reaches the upstream, then
 * splice the two sockets: upload by pipe(), download through the gate's read buffer (downlink.ts).
 * Byte counts come from the sockets' own counters at the end, so the event costs nothing per chunk.
 */
export function handleConnect(ctx: GateContext, req: IncomingMessage, client: Socket, head: Buffer): void {
  const startedAt = Date.now();
  const startedMono = performance.now();
  // After the CONNECT the HTTP server has let go of the socket: without this, one reset crashes the gate.
  let clientError: string | undefined;
  client.on('error', (error: Error) => {
    clientError ??= `client error: ${error.message}`;
    client.destroy();
  });
  client.setNoDelay(true);
  const event = { method: 'CONNECT' as const, startedAt, startedMono, bytesUp: 0, bytesDown: 0 };
  const refuse = (host: string, port: number, verdict: Verdict, address: string | null = null): void => {
    record(ctx, { ...event, host, port, address, verdict });
    refuseSocket(client, statusFor(verdict.rule), verdict.rule, verdict.reason);
  };

  const raw = req.url ?? '';
  if (ctx.closing) return refuse(raw, 0, refusal('deny:shutting-down', 'the gate is shutting down'));
  const failure = ctx.sink.failure();
  if (failure !== null)
    return refuse(raw, 0, refusal('deny:audit-unavailable', 'the audit log cannot be written'));
  const authority = parseAuthority(raw, null);
  if (authority === null) {
    return refuse(raw.slice(0, 255), 0, refusal('deny:invalid-target', 'CONNECT target must be host:port'));
  }
  const admission = admit(ctx, authority);
  if (!admission.admitted)
    return refuse(admission.host, admission.port, admission.verdict, admission.address);
  const target = admission.target;

  const abort = new AbortController();
  let upstream: Socket | null = null;
  busy(ctx, client); // a tunnel's connection is never evicted (it ends with the tunnel)
  const flow: ActiveFlow = {
    kind: 'CONNECT',
    destroy: () => {
      abort.abort(new Error('tunnel closed'));
      client.destroy();
      upstream?.destroy();
    },
  };
  ctx.active.add(flow);
  // A client that goes away while the gate is still resolving or dialling cancels both.
  const onEarlyClose = (): void => abort.abort(new Error('client went away'));
  client.once('close', onEarlyClose);

  const down = downlink(ctx.readBuffer, ctx.copies);
  void openUpstream(ctx, target, abort.signal, down.reader)
    .then((opened) => {
      client.off('close', onEarlyClose);
      if (!opened.ok || client.destroyed) {
        ctx.active.delete(flow);
        if (opened.ok) opened.upstream.socket.destroy();
        const verdict = opened.verdict;
        const reason = opened.ok ? 'client went away before the tunnel opened' : opened.reason;
        const address = opened.ok ? opened.upstream.address : opened.address;
        const outcome = opened.ok ? 'aborted' : opened.outcome;
        record(ctx, {
          ...event,
          host: target.host,
          port: target.port,
          address,
          verdict,
          forwarded: false,
          reason,
          ...(outcome === undefined ? {} : { outcome }),
        });
        if (!opened.ok) refuseSocket(client, opened.status, verdict.rule, reason);
        return;
      }
      const up = opened.upstream.socket;
      upstream = up;
      let closed = 0;
      let ending: string | undefined;
      let refused = false;
      let started = false;
      const finish = (): void => {
        closed += 1;
        if (closed < 2) return;
        ctx.active.delete(flow);
        if (refused) return;
        ending ??= clientError;
        // A client that left before its first bytes were checked never had anything forwarded.
        const early = started ? {} : { forwarded: false, outcome: 'aborted' as const };
        record(ctx, {
          ...early,
          ...event,
          host: target.host,
          port: target.port,
          address: opened.upstream.address,
          verdict: opened.verdict,
          ...(ending === undefined ? {} : { reason: `${opened.verdict.reason}; ${ending}` }),
          bytesUp: up.bytesWritten,
          bytesDown: up.bytesRead,
        });
      };
      // Either side closing fully ends the tunnel; a half-close (FIN) travels through pipe() instead.
      client.once('close', () => {
        up.destroy();
        finish();
      });
      up.once('close', () => {
        client.destroy();
        finish();
      });
      up.on('error', (error: Error) => {
        ending ??= `upstream error: ${error.message}`;
        up.destroy();
      });
      up.setNoDelay(true);
      // One timer on the client socket sees traffic both ways: reads are upload, writes are download.
      client.setTimeout(ctx.policy.source.idleTimeoutMs, () => {
        ending ??= 'idle timeout';
        flow.destroy();
      });
      client.write(ESTABLISHED);
      const splice = (first: Buffer): void => {
        started = true;
        if (first.length > 0) up.write(first);
        down.attach(client, up);
        client.pipe(up);
      };
      if (ctx.policy.rawTunnelPorts.has(target.port)) return splice(head);
      holdFirstBytes(ctx, client, target, head, {
        pass: splice,
        refuse: (rule, reason, answer) => {
          refused = true;
          record(ctx, {
            ...event,
            host: target.host,
            port: target.port,
            address: opened.upstream.address,
            verdict: refusal(rule, reason),
          });
          up.destroy();
          answer();
        },
      });
    })
    .catch((error: unknown) => {
      // Not reachable by design (openUpstream settles every failure); if it is, fail closed and say so.
      ctx.log(`gate: CONNECT ${target.host}:${target.port} failed unexpectedly: ${String(error)}`);
      ctx.active.delete(flow);
      flow.destroy();
    });
}
