import type { ClientRequest, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { http, https } from './builtins.js';
import type { AuditEvent } from '../../src/audit/event.js';
import type { HeaderCredential } from './control.js';
import type { EventSink } from './events.js';
import { relayHeaders, responseHeaders } from './headers.js';
import { readBody } from './body.js';

/**
 * The credential relay (credentials.secrets with deliver: header). The agent sends plain HTTP to
 * `http://gate:PORT/NAME/HOST[:PORT]/PATH`; the gate adds the credential's header and sends the request
 * on to that origin, over TLS for https origins. Why a relay endpoint: the forward proxy sees only
 * CONNECT tunnels for HTTPS and so cannot add a header; here the value never enters the agent. Why the
 * upstream leg goes through the gate's own forward proxy (loopback): the egress policy, the address
 * checks and the egress event apply to it exactly as to the agent's own traffic.
 */
export interface CredentialRelayOptions {
  credentials: readonly HeaderCredential[];
  /** The gate's forward proxy port on loopback. */
  proxyPort: number;
  /** The gate's address on the session's internal network: the only one this endpoint answers on. */
  internalAddress?: string | undefined;
  host?: string;
  port: number;
  sink?: EventSink;
  session: string;
  policyVersion: string;
  log: (line: string) => void;
  now?: () => number;
}

const tls = process.getBuiltinModule('node:tls');
const MAX_BODY_BYTES = 8 * 1024 * 1024;
const TARGET = /^\/([a-z][a-z0-9_-]{0,39})\/([a-z0-9.-]{1,253}(?::\d{1,5})?)(\/[^#]*)?$/;

/** The origin of `cred` that `authority` names (default ports spelled or not), if any. */
function originFor(cred: HeaderCredential, authority: string): URL | undefined {
  return cred.origins
    .map((o) => new URL(o))
    .find((u) => {
      const port = u.port || (u.protocol === 'https:' ? '443' : '80');
      return authority === u.host || authority === `${u.hostname}:${port}`;
    });
}

/** Sends one request to `origin` through the gate's forward proxy: CONNECT then TLS, or absolute-URI. */
function viaProxy(
  proxyPort: number,
  origin: URL,
  method: string,
  path: string,
  headers: string[],
): Promise<ClientRequest> {
  const port = Number(origin.port || (origin.protocol === 'https:' ? 443 : 80));
  if (origin.protocol === 'http:')
    return Promise.resolve(
      http.request({ host: '127.0.0.1', port: proxyPort, method, path: `${origin.origin}${path}`, headers }),
    );
  return new Promise((resolve, reject) => {
    const connect = http.request({
      host: '127.0.0.1',
      port: proxyPort,
      method: 'CONNECT',
      path: `${origin.hostname}:${port}`,
      headers: { Host: `${origin.hostname}:${port}` },
    });
    connect.once('connect', (res: IncomingMessage, socket) => {
      if (res.statusCode !== 200) {
        socket.destroy();
        return reject(new Error(`the gate refused ${origin.host} (${res.statusCode})`));
      }
      const secure = tls.connect({ socket, servername: origin.hostname });
      resolve(
        https.request({
          method,
          path,
          headers,
          agent: false,
          createConnection: () => secure,
          host: origin.hostname,
        }),
      );
    });
    connect.once('error', reject);
    connect.end();
  });
}

/** Starts the credential relay; records each credential's mint now and its revocation at expiry. */
export function startCredentialRelay(
  o: CredentialRelayOptions,
): Promise<{ port: number; close(): Promise<void> }> {
  const now = o.now ?? Date.now;
  const record = (name: string, e: Pick<AuditEvent, 'decision' | 'rule' | 'reason'> & Partial<AuditEvent>) =>
    o.sink?.write({
      type: 'decision',
      source: 'credential',
      provenance: 'observed',
      session: o.session,
      time: new Date(now()).toISOString(),
      what: `credential ${name}`,
      policyVersion: o.policyVersion,
      ...e,
    });
  const timers: NodeJS.Timeout[] = [];
  for (const c of o.credentials) {
    const until = c.expiresAt !== undefined ? `, expires ${new Date(c.expiresAt).toISOString()}` : '';
    record(c.name, {
      decision: 'allow',
      rule: 'credential:mint',
      reason: `held by the gate for header ${c.header} to ${c.origins.join(', ')}${until}`,
    });
    if (c.expiresAt !== undefined) {
      const t = setTimeout(
        () =>
          record(c.name, {
            decision: 'record',
            rule: 'credential:revoke',
            reason: 'expired; the gate no longer adds it',
          }),
        Math.max(0, c.expiresAt - now()),
      );
      t.unref();
      timers.push(t);
    }
  }

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const method = (req.method ?? '').slice(0, 20);
    const m = TARGET.exec(req.url ?? '');
    const name = m?.[1] ?? '';
    const refuse = (status: number, rule: string, reason: string): void => {
      record(name || '?', { decision: 'deny', rule, reason, method, status });
      res.writeHead(status, { 'content-type': 'text/plain', connection: 'close' });
      res.end(`ccbox gate: ${reason}\n`);
      req.resume();
    };
    if (
      o.internalAddress !== undefined &&
      req.socket.localAddress?.replace(/^::ffff:/, '') !== o.internalAddress
    )
      return refuse(403, 'deny:network', 'the credential relay answers the session network only');
    const cred = o.credentials.find((c) => c.name === name);
    if (m === null || cred === undefined)
      return refuse(
        404,
        'deny:credential-unknown',
        'send /NAME/HOST[:PORT]/PATH for a header credential of this session',
      );
    if (cred.expiresAt !== undefined && now() >= cred.expiresAt)
      return refuse(401, 'deny:credential-expired', `credential ${name} has expired`);
    const origin = originFor(cred, m[2] ?? '');
    if (origin === undefined)
      return refuse(
        403,
        'deny:credential-origin',
        `credential ${name} is not for ${(m[2] ?? '').slice(0, 100)}`,
      );
    const body = await readBody(req, MAX_BODY_BYTES);
    if (body === null) return refuse(413, 'deny:body-too-large', `the body exceeds ${MAX_BODY_BYTES} bytes`);
    const path = m[3] ?? '/';
    // The agent's headers minus framing, hop-by-hop and any copy of the credential's own header.
    const headers = ['Host', origin.host, ...relayHeaders(req.rawHeaders, [cred.header.toLowerCase()])];
    headers.push(
      cred.header,
      cred.format.replace('{value}', cred.value),
      'Content-Length',
      String(body.length),
    );
    const what = { method, path: `${origin.origin}${path.split('?')[0] ?? ''}`.slice(0, 200) };
    try {
      const out = await viaProxy(o.proxyPort, origin, method, path, headers);
      out.once('response', (up: IncomingMessage) => {
        res.writeHead(up.statusCode ?? 502, responseHeaders(up.rawHeaders));
        up.pipe(res);
        record(name, {
          decision: 'allow',
          rule: 'credential:use',
          reason: `header ${cred.header} added`,
          ...what,
          status: up.statusCode ?? 0,
        });
      });
      out.once('error', (err: Error) => {
        record(name, { decision: 'failed', rule: 'credential:use', reason: err.message, ...what });
        if (!res.headersSent)
          res.writeHead(502, { 'content-type': 'text/plain' }).end(`ccbox gate: ${err.message}\n`);
        else res.destroy();
      });
      out.end(body);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      record(name, { decision: 'failed', rule: 'credential:use', reason, ...what, status: 502 });
      res.writeHead(502, { 'content-type': 'text/plain' }).end(`ccbox gate: ${reason}\n`);
    }
  };

  const server: Server = http.createServer({ headersTimeout: 10_000, requestTimeout: 120_000 });
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((error: unknown) => {
      o.log(`credential relay: ${error instanceof Error ? error.message : String(error)}`);
      res.destroy();
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host ?? '0.0.0.0', () =>
      resolve({
        port: (server.address() as AddressInfo).port,
        close: () =>
          new Promise<void>((done) => {
            for (const t of timers) clearTimeout(t);
            server.close(() => done());
            server.closeAllConnections();
          }),
      }),
    );
  });
}
