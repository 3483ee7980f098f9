import { once } from 'node:events';
import { createServer as createHttpServer } from 'node:http';
import type { IncomingHttpHeaders, Server as HttpServer } from 'node:http';
import { connect, createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { EventSink } from '../../../egress/src/events.js';
import type { Resolver } from '../../../egress/src/resolver.js';
import type { EgressEvent, EgressPolicy } from '../../../src/policy/egress/index.js';

/** A policy with test defaults; tests override what they exercise. */
export function testPolicy(overrides: Partial<EgressPolicy> = {}): EgressPolicy {
  return {
    mode: 'enforce',
    allowHosts: [],
    denyHosts: [],
    ports: [443, 80],
    allowCidrs: [],
    maxTunnels: 16,
    connectTimeoutMs: 2_000,
    idleTimeoutMs: 10_000,
    policyVersion: 'test-policy',
    ...overrides,
  };
}

/** An in-memory sink; `events` fills as the gate decides. */
export function memorySink(): EventSink & { events: EgressEvent[] } {
  const events: EgressEvent[] = [];
  return {
    events,
    write: (event) => void events.push(event),
    failure: () => null,
    close: () => Promise.resolve(),
  };
}

/** A resolver over a fixed table; unknown names fail like NXDOMAIN. Records every lookup. */
export function tableResolver(table: Record<string, readonly string[]>): Resolver & { lookups: string[] } {
  const lookups: string[] = [];
  const resolver = (host: string): Promise<readonly string[]> => {
    lookups.push(host);
    const answers = table[host];
    return answers === undefined ? Promise.reject(new Error(`ENOTFOUND ${host}`)) : Promise.resolve(answers);
  };
  return Object.assign(resolver, { lookups });
}

/** Polls until `check` holds (no timing assertion: the test's own timeout bounds it). */
export async function until(check: () => boolean, what = 'condition'): Promise<void> {
  for (let i = 0; i < 1_000; i += 1) {
    if (check()) return;
    await sleep(10);
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** A TCP echo server on loopback that counts connections; it ends its side when the client does. */
export async function startEcho(): Promise<{
  server: Server;
  port: number;
  connections: () => number;
  open: () => number;
}> {
  let total = 0;
  const sockets = new Set<Socket>();
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    total += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.pipe(socket);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    server,
    port: (server.address() as AddressInfo).port,
    connections: () => total,
    open: () => sockets.size,
  };
}

/** What the HTTP upstream saw of one request. */
export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** An HTTP server on loopback that answers every request with what it saw, as JSON. */
export async function startHttpUpstream(): Promise<{
  server: HttpServer;
  port: number;
  seen: SeenRequest[];
}> {
  const seen: SeenRequest[] = [];
  const server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const entry = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      };
      seen.push(entry);
      res.setHeader('x-upstream', 'yes');
      res.end(JSON.stringify(entry));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as AddressInfo).port, seen };
}

/** A raw client connection to the gate, reading everything it receives. */
export interface RawClient {
  socket: Socket;
  /** Resolves with the status code and headers block once the response head has arrived. */
  head(): Promise<{ status: number; head: string }>;
  /** Everything received after the head so far. */
  body(): string;
  /** Resolves once `text` has been received after the head. */
  waitFor(text: string): Promise<void>;
  /** Resolves with all bytes after the head when the gate closes the connection. */
  closed(): Promise<string>;
}

/** Opens a raw TCP connection to the gate and sends `request` verbatim. */
export async function rawRequest(port: number, request: string): Promise<RawClient> {
  const socket = connect({ host: '127.0.0.1', port, allowHalfOpen: true });
  await once(socket, 'connect');
  let data = '';
  socket.setEncoding('latin1');
  socket.on('data', (chunk: string) => (data += chunk));
  socket.on('error', () => undefined);
  // Half-open is on so tests can send FIN first; when the gate ends its side, end ours too.
  socket.on('end', () => socket.end());
  const ended = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.write(request);
  const headEnd = (): number => data.indexOf('\r\n\r\n');
  return {
    socket,
    async head() {
      await Promise.race([until(() => headEnd() !== -1, 'response head'), ended]);
      if (headEnd() === -1)
        throw new Error(`connection closed before a response head: ${JSON.stringify(data)}`);
      const head = data.slice(0, headEnd());
      return { status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0), head };
    },
    body: () => (headEnd() === -1 ? '' : data.slice(headEnd() + 4)),
    async waitFor(text) {
      await until(() => headEnd() !== -1 && data.slice(headEnd() + 4).includes(text), JSON.stringify(text));
    },
    async closed() {
      await ended;
      return headEnd() === -1 ? '' : data.slice(headEnd() + 4);
    },
  };
}

/** Sends `CONNECT target` to the gate. */
export function connectVia(port: number, target: string): Promise<RawClient> {
  return rawRequest(port, `CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n\r\n`);
}
