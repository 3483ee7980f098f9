import { http } from './builtins.js';
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

// Why a grace period: after a refusal the client must be able to read the one-line reason; a client that
// never closes its side must not keep the socket (and a file descriptor) forever.
const REFUSAL_GRACE_MS = 2_000;

const oneLine = (reason: string): string => `${reason.replace(/[\r\n]+/g, ' ').slice(0, 500)}\n`;

/** Answers a raw client socket (CONNECT, upgrade) with a status and a one-line reason, then closes it. */
export function refuseSocket(socket: Socket, status: number, rule: string, reason: string): void {
  if (socket.destroyed) return;
  const body = oneLine(reason);
  // Discard whatever the client sent ahead (e.g. an eager TLS ClientHello): unread bytes at close would
  // make the kernel send a reset that can swallow the answer.
  socket.resume();
  socket.setTimeout(REFUSAL_GRACE_MS, () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? 'Error'}\r\n` +
      'Content-Type: text/plain; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      `X-Ccbox-Gate: ${rule}\r\n` +
      'Connection: close\r\n\r\n' +
      body,
  );
}

/** Answers an HTTP request with a status and a one-line reason, closing the connection after it. */
export function refuseResponse(res: ServerResponse, status: number, rule: string, reason: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = oneLine(reason);
  res.shouldKeepAlive = false;
  res.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'x-ccbox-gate': rule,
    connection: 'close',
  });
  res.end(body);
}

/** The status for a refusal: 403 for policy, 502 when the destination cannot be found or reached. */
export function statusFor(rule: string): number {
  if (rule.startsWith('deny:dns')) return 502;
  if (rule === 'deny:tunnel-cap' || rule === 'deny:shutting-down' || rule === 'deny:audit-unavailable')
    return 503;
  if (rule === 'deny:invalid-target' || rule === 'deny:origin-form' || rule === 'deny:framing') return 400;
  return 403;
}
