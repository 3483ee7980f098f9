import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { parseAuthority } from '../../src/policy/egress/index.js';
import type { Verdict } from '../../src/policy/egress/index.js';
import type { ActiveFlow, GateContext } from './context.js';
import { admit, record, refusal } from './context.js';
import { downlink } from './downlink.js';
import { openUpstream } from './open.js';
import { refuseSocket, statusFor } from './respond.js';

const ESTABLISHED = 'HTTP/1.1 200 Connection Established\r\n\r\n';

/**
 * Handles one CONNECT: decide, resolve, dial the checked address, then splice the two sockets: upload
 * by pipe(), download through the tunnel's own read buffer (downlink.ts). Byte counts come from the
 * sockets' own counters at the end, so the audit event costs nothing per chunk.
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

  const down = downlink(ctx.readBuffer);
  void openUpstream(ctx, target, abort.signal, down.reader)
    .then((opened) => {
      client.off('close', onEarlyClose);
      if (!opened.ok || client.destroyed) {
        ctx.active.delete(flow);
        if (opened.ok) opened.upstream.socket.destroy();
        const verdict = opened.verdict;
        const reason = opened.ok ? 'client went away before the tunnel opened' : opened.reason;
        const address = opened.ok ? opened.upstream.address : opened.address;
        record(ctx, {
          ...event,
          host: target.host,
          port: target.port,
          address,
          verdict,
          forwarded: false,
          reason,
        });
        if (!opened.ok) refuseSocket(client, opened.status, verdict.rule, reason);
        return;
      }
      const up = opened.upstream.socket;
      upstream = up;
      let closed = 0;
      let ending: string | undefined;
      const finish = (): void => {
        closed += 1;
        if (closed < 2) return;
        ctx.active.delete(flow);
        ending ??= clientError;
        record(ctx, {
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
      if (head.length > 0) up.write(head);
      down.attach(client, up);
      client.pipe(up);
    })
    .catch((error: unknown) => {
      // Not reachable by design (openUpstream settles every failure); if it is, fail closed and say so.
      ctx.log(`gate: CONNECT ${target.host}:${target.port} failed unexpectedly: ${String(error)}`);
      ctx.active.delete(flow);
      flow.destroy();
    });
}
