import { once } from 'node:events';
import { createServer as createHttpServer } from 'node:http';
import type { IncomingHttpHeaders, Server as HttpServer } from 'node:http';
import { connect, createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { EventSink } from '../../../egress/src/events.js';
import type { Resolver } from '../../../egress/src/resolver.js';
import type { AuditEvent } from '../../../src/audit/event.js';
import type { EgressPolicy } from '../../../src/policy/egress/index.js';

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

/** An in-memory sink; `events` fills as the gate decides (and `relay` as the model relay forwards). */
export function memorySink(): EventSink & { events: AuditEvent[]; relay: AuditEvent[] } {
  const events: AuditEvent[] = [];
  const relay: AuditEvent[] = [];
  return {
    events,
    relay,
    write: (event) => void (event.source === 'relay' ? relay.push(event) : events.push(event)),
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

/**
 * A minimal ClientHello record: TLS 1.3 shape, one cipher suite, and a server_name extension when
 * `name` is given (`split` sends the handshake across two records, as a large hello may be).
 */
export function clientHello(name: string | null, options: { split?: boolean; ech?: boolean } = {}): Buffer {
  const ext = (type: number, body: Buffer): Buffer =>
    Buffer.concat([Buffer.from([type >> 8, type & 0xff, body.length >> 8, body.length & 0xff]), body]);
  const u16 = (n: number): Buffer => Buffer.from([n >> 8, n & 0xff]);
  const parts: Buffer[] = [];
  if (name !== null) {
    const host = Buffer.from(name, 'latin1');
    const entry = Buffer.concat([Buffer.from([0]), u16(host.length), host]);
    parts.push(ext(0x0000, Buffer.concat([u16(entry.length), entry])));
  }
  if (options.ech === true) parts.push(ext(0xfe0d, Buffer.alloc(8, 1)));
  const extensions = Buffer.concat(parts);
  const body = Buffer.concat([
    Buffer.from([0x03, 0x03]),
    Buffer.alloc(32, 7),
    Buffer.from([0x00, 0x00, 0x02, 0x13, 0x01, 0x01, 0x00]),
    u16(extensions.length),
    extensions,
  ]);
  const handshake = Buffer.concat([Buffer.from([0x01, 0, body.length >> 8, body.length & 0xff]), body]);
  const record = (bytes: Buffer): Buffer =>
    Buffer.concat([Buffer.from([0x16, 0x03, 0x01]), u16(bytes.length), bytes]);
  if (options.split !== true) return record(handshake);
  const half = Math.floor(handshake.length / 2);
  return Buffer.concat([record(handshake.subarray(0, half)), record(handshake.subarray(half))]);
}

/** What a client sends first into a tunnel to `target` (host:port): a ClientHello on 443, else a GET. */
export function tunnelOpening(target: string): Buffer {
  const colon = target.lastIndexOf(':');
  const host = target.slice(0, colon);
  const port = Number(target.slice(colon + 1));
  const literal = host.startsWith('[') || /^[\d.]+$/.test(host);
  if (port === 443) return clientHello(literal ? null : host.toLowerCase().replace(/\.$/, ''));
  return Buffer.from(`GET / HTTP/1.1\r\nHost: ${target}\r\n\r\n`);
}

/** A TCP upstream that records every byte of every connection and answers the first head once. */
export async function startRecorder(): Promise<{
  server: Server;
  port: number;
  /** Raw bytes received, one string (latin1) per connection, in accept order. */
  received: string[];
  connections: () => number;
}> {
  const received: string[] = [];
  const server = createServer((socket) => {
    const index = received.push('') - 1;
    let answered = false;
    socket.on('error', () => socket.destroy());
    socket.on('data', (chunk: Buffer) => {
      received[index] += chunk.toString('latin1');
      if (!answered && (received[index] ?? '').includes('\r\n\r\n') && !received[index]?.startsWith('\x16')) {
        answered = true;
        // Stays open a moment, so whatever else the gate sent would arrive and be recorded.
        setTimeout(
          () => socket.end('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok'),
          100,
        );
      }
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    server,
    port: (server.address() as AddressInfo).port,
    received,
    connections: () => received.length,
  };
}

/** One HTTP/1.1 request parsed off raw bytes, by its own framing; `rest` is whatever follows it. */
export function parseOneRequest(raw: string): {
  line: string;
  headers: Array<[string, string]>;
  body: string;
  rest: string;
} {
  const end = raw.indexOf('\r\n\r\n');
  if (end === -1) throw new Error(`no complete request head in ${JSON.stringify(raw.slice(0, 200))}`);
  const [line = '', ...fields] = raw.slice(0, end).split('\r\n');
  const headers = fields.map((f): [string, string] => {
    const colon = f.indexOf(':');
    return [f.slice(0, colon).toLowerCase(), f.slice(colon + 1).trim()];
  });
  let rest = raw.slice(end + 4);
  let body = '';
  const length = headers.find(([n]) => n === 'content-length')?.[1];
  if (headers.some(([n, v]) => n === 'transfer-encoding' && v === 'chunked')) {
    for (;;) {
      const eol = rest.indexOf('\r\n');
      const size = Number.parseInt(rest.slice(0, eol), 16);
      rest = rest.slice(eol + 2);
      if (size === 0) {
        rest = rest.slice(2);
        break;
      }
      body += rest.slice(0, size);
      rest = rest.slice(size + 2);
    }
  } else if (length !== undefined) {
    body = rest.slice(0, Number(length));
    rest = rest.slice(Number(length));
  }
  return { line, headers, body, rest };
}
