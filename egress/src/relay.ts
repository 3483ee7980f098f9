import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { crypto, http, https } from './builtins.js';
import type { AddressInfo } from 'node:net';

/**
 * The model relay: the agent's ANTHROPIC_BASE_URL points here. Why: the real API key must never be in
 * the agent. The agent holds a per-session token that is worthless outside this session; the relay
 * checks it, swaps it for the real key, and forwards to the one configured model endpoint.
 */
export interface RelayOptions {
  /** The model endpoint, e.g. https://api.anthropic.com. */
  upstream: URL;
  /** The real key, sent as x-api-key; absent for keyless (scripted or gateway-authenticated) endpoints. */
  apiKey: string | undefined;
  /** The session token the agent must present. */
  token: string;
  host?: string;
  port?: number;
  log?: (line: string) => void;
}

export interface RelayHandle {
  port: number;
  close(): Promise<void>;
}

// Hop-by-hop headers (RFC 9110 §7.6.1) and the credentials the relay replaces.
const DROP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'x-api-key',
  'authorization',
]);

function presented(req: IncomingMessage): string {
  const key = req.headers['x-api-key'];
  if (typeof key === 'string') return key;
  const auth = req.headers.authorization ?? '';
  return auth.startsWith('Bearer ') ? auth.slice(7) : '';
}

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

function fail(res: ServerResponse, status: number, message: string): void {
  const body = JSON.stringify({
    type: 'error',
    error: { type: status === 401 ? 'authentication_error' : 'api_error', message },
  });
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

export function startRelay(options: RelayOptions): Promise<RelayHandle> {
  const log = options.log ?? ((line: string) => void process.stderr.write(`${line}\n`));
  const upstream = options.upstream;
  const send = upstream.protocol === 'https:' ? https.request : http.request;
  const basePath = upstream.pathname.replace(/\/+$/, '');

  const server: Server = http.createServer((req, res) => {
    if (!sameToken(presented(req), options.token)) {
      fail(res, 401, 'ccbox relay: not this session’s token');
      return;
    }
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(req.headers))
      if (value !== undefined && !DROP.has(name)) headers[name] = value;
    if (options.apiKey !== undefined) headers['x-api-key'] = options.apiKey;
    const out = send(
      {
        protocol: upstream.protocol,
        hostname: upstream.hostname,
        port: upstream.port || undefined,
        method: req.method,
        path: `${basePath}${req.url ?? '/'}`,
        headers,
        timeout: 600_000,
      },
      (up) => {
        const back: Record<string, string | string[]> = {};
        for (const [name, value] of Object.entries(up.headers))
          if (value !== undefined && !DROP.has(name)) back[name] = value;
        res.writeHead(up.statusCode ?? 502, back);
        up.pipe(res);
        up.on('error', () => res.destroy());
      },
    );
    out.on('timeout', () => out.destroy(new Error('upstream timed out')));
    out.on('error', (err) => {
      log(`relay: ${req.method ?? ''} ${req.url ?? ''}: ${err.message}`);
      if (!res.headersSent) fail(res, 502, `ccbox relay: the model endpoint is unreachable (${err.message})`);
      else res.destroy();
    });
    req.pipe(out);
    req.on('error', () => out.destroy());
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 3129, options.host ?? '0.0.0.0', () => {
      const port = (server.address() as AddressInfo).port;
      resolve({
        port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
