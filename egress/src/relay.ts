import { readBody } from './body.js';
import type { Agent, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { EventDecision } from '../../src/policy/egress/index.js';
import { http, https } from './builtins.js';
import type { EventSink } from './events.js';
import { requestFraming } from './framing.js';
import { relayHeaders, responseHeaders } from './headers.js';
import { checkRoute } from './relay-routes.js';
import type { TokenService } from './tokens.js';
import { TOKEN_PATH, tokenEndpoint } from './token-endpoint.js';
import { OAUTH_TOKEN_PATH, type SubscriptionPass } from './oauth-endpoint.js';

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
  /** Mints and checks the session's short-lived tokens (tokens.ts). */
  tokens: TokenService;
  /** Subscription mode: Claude Code's own token, handed out once and passed through (oauth-endpoint.ts). */
  subscription?: SubscriptionPass | undefined;
  /**
   * The gate's address on the session's internal network. Why: the gate is on the outbound network
   * too, where other containers live; the relay answers only connections that came in on the internal
   * side (unset only in unit tests, which listen on loopback).
   */
  internalAddress?: string | undefined;
  host?: string;
  port?: number;
  log?: (line: string) => void;
  /** Where each request's event goes (the gate's log); and what every event carries. */
  sink?: EventSink;
  session?: string;
  policyVersion?: string;
  /** Time the agent has for a request head (default 10 s); a body is bounded by `requestTimeoutMs`. */
  headersTimeoutMs?: number;
  requestTimeoutMs?: number;
}

export interface RelayHandle {
  port: number;
  close(): Promise<void>;
}

/** The Messages API's own request size limit: a larger body is refused before anything is sent. */
const MAX_BODY_BYTES = 32 * 1024 * 1024;
// The credentials the relay replaces (hop-by-hop ones are dropped by headers.ts).
const CREDENTIALS = ['x-api-key', 'authorization'];

function presented(req: IncomingMessage): string {
  const key = req.headers['x-api-key'];
  if (typeof key === 'string') return key;
  const auth = req.headers.authorization ?? '';
  return auth.startsWith('Bearer ') ? auth.slice(7) : '';
}

function fail(res: ServerResponse, status: number, message: string): void {
  const type = status === 401 ? 'authentication_error' : status === 404 ? 'not_found_error' : 'api_error';
  const body = JSON.stringify({ type: 'error', error: { type, message } });
  res.shouldKeepAlive = false;
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

// The model a JSON body names, for the event; never any other part of the body.
function modelOf(req: IncomingMessage, body: Buffer): string | null {
  if (body.length === 0 || req.headers['content-encoding'] !== undefined) return null;
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { model?: unknown };
    return typeof parsed.model === 'string' ? parsed.model.slice(0, 100) : null;
  } catch {
    return null;
  }
}

export function startRelay(options: RelayOptions): Promise<RelayHandle> {
  const log = options.log ?? ((line: string) => void process.stderr.write(`${line}\n`));
  const upstream = options.upstream;
  const send = upstream.protocol === 'https:' ? https.request : http.request;
  // Why a keep-alive pool is safe here: every upstream request is framed by the relay itself (an exact
  // Content-Length of a body it read whole), so no agent byte can spill into the next request.
  const agent: Agent = new (upstream.protocol === 'https:' ? https.Agent : http.Agent)({
    keepAlive: true,
    maxSockets: 64,
  });
  const basePath = upstream.pathname.replace(/\/+$/, '');

  interface Outcome {
    decision: EventDecision;
    rule: string;
    reason: string;
  }
  const event = (req: IncomingMessage, started: number, path: string, model: string | null) => {
    const t0 = performance.now();
    return (res: ServerResponse, outcome: Outcome, bytesUp: number, bytesDown: number): void =>
      options.sink?.write({
        type: 'decision',
        source: 'relay',
        provenance: 'observed',
        session: options.session ?? '',
        time: new Date(started).toISOString(),
        what: `${(req.method ?? '').slice(0, 20)} ${path.slice(0, 200)}`,
        method: (req.method ?? '').slice(0, 20),
        path: path.slice(0, 200),
        model,
        status: res.headersSent ? res.statusCode : 0,
        ...outcome,
        bytesUp,
        bytesDown,
        durationMs: Math.round((performance.now() - t0) * 1000) / 1000,
        policyVersion: options.policyVersion ?? '',
      });
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const started = Date.now();
    const method = req.method ?? '';
    const target = req.url ?? '';
    const pathOnly = target.split('?')[0] ?? '';
    const refuse = (status: number, rule: string, reason: string): void => {
      fail(res, status, `ccbox relay: ${reason}`);
      event(req, started, pathOnly, null)(res, { decision: 'deny', rule, reason }, 0, 0);
      req.resume();
    };
    if (
      options.internalAddress !== undefined &&
      req.socket.localAddress?.replace(/^::ffff:/, '') !== options.internalAddress
    )
      return refuse(403, 'deny:network', 'the relay answers the session network only');
    const sub = options.subscription;
    if (method === 'POST' && (pathOnly === TOKEN_PATH || (sub && pathOnly === OAUTH_TOKEN_PATH))) {
      const minted =
        sub && pathOnly === OAUTH_TOKEN_PATH
          ? sub.handOut()
          : tokenEndpoint(options.tokens, req.headers.authorization);
      res.shouldKeepAlive = false;
      res.writeHead(minted.status, {
        'content-type': 'text/plain',
        'content-length': Buffer.byteLength(minted.body),
      });
      res.end(minted.body);
      event(req, started, pathOnly, null)(res, minted.outcome, 0, 0);
      return void req.resume();
    }
    // Why 401: Claude Code re-runs its apiKeyHelper on a 401, which renews an expired token.
    if (sub ? !sub.accepts(req.headers.authorization) : !options.tokens.accepts(presented(req)))
      return refuse(
        401,
        'deny:token',
        `not ${sub ? "this session's subscription token" : 'a live token of this session'}`,
      );
    const route = checkRoute(method, target);
    if (!route.ok) return refuse(404, 'deny:route', route.reason);
    const framing = requestFraming(method, req.rawHeaders);
    if (!framing.ok) return refuse(400, 'deny:framing', framing.reason);
    if (framing.body === 'none') req.resume();
    const body = framing.body === 'none' ? Buffer.alloc(0) : await readBody(req, MAX_BODY_BYTES);
    if (body === null) return refuse(413, 'deny:body-too-large', `the body exceeds ${MAX_BODY_BYTES} bytes`);
    const model = modelOf(req, body);
    const done = event(req, started, route.path, model);
    const rule = `allow:${route.route.method} ${route.route.path}`;
    // The model endpoint's own Host (with raw headers Node adds none), then the agent's headers.
    // Subscription mode: Claude Code's own Authorization goes on untouched; the gate adds nothing.
    const drop = sub ? ['x-api-key'] : CREDENTIALS;
    const headers = ['Host', upstream.host, ...relayHeaders(req.rawHeaders, drop)];
    if (body.length > 0 || method === 'POST') headers.push('Content-Length', String(body.length));
    if (options.apiKey !== undefined && !sub) headers.push('x-api-key', options.apiKey);
    let bytesDown = 0;
    let outcome: Outcome = { decision: 'allow', rule, reason: 'forwarded' };
    const out = send({
      protocol: upstream.protocol,
      hostname: upstream.hostname,
      port: upstream.port || undefined,
      method,
      path: `${basePath}${target}`,
      headers,
      agent,
      timeout: 600_000,
    });
    res.once('close', () => {
      if (!res.writableFinished && outcome.decision === 'allow')
        outcome = { decision: 'aborted', rule, reason: 'the agent went away before the response ended' };
      done(res, outcome, body.length, bytesDown);
      if (!res.writableFinished) out.destroy();
    });
    out.on('response', (up: IncomingMessage) => {
      res.writeHead(up.statusCode ?? 502, responseHeaders(up.rawHeaders));
      // Streaming (SSE): the head goes at once, and every chunk as it arrives (no buffering here).
      res.flushHeaders();
      up.on('data', (chunk: Buffer) => (bytesDown += chunk.length));
      up.on('error', () => res.destroy());
      up.on('aborted', () => res.destroy());
      up.pipe(res);
    });
    out.on('timeout', () => out.destroy(new Error('upstream timed out')));
    out.on('error', (err) => {
      log(`relay: ${method} ${route.path}: ${err.message}`);
      outcome = { decision: 'failed', rule, reason: `the model endpoint failed: ${err.message}` };
      if (!res.headersSent) fail(res, 502, `ccbox relay: the model endpoint is unreachable (${err.message})`);
      else res.destroy();
    });
    out.end(body);
  };

  const server: Server = http.createServer({
    headersTimeout: options.headersTimeoutMs ?? 10_000,
    connectionsCheckingInterval: 500,
    requestTimeout: options.requestTimeoutMs ?? 120_000,
    noDelay: true,
  });
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((error: unknown) => {
      log(`relay: ${error instanceof Error ? error.message : String(error)}`);
      res.destroy();
    });
  });
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    if (error.code === 'ECONNRESET' || !socket.writable) return void socket.destroy();
    const detail = error.message.replace(/^Parse Error: /, '');
    const reason = `malformed request (${error.code ?? 'parse error'}: ${detail})`;
    options.sink?.write({
      type: 'decision',
      source: 'relay',
      provenance: 'observed',
      session: options.session ?? '',
      time: new Date().toISOString(),
      method: '',
      path: '',
      model: null,
      status: 400,
      decision: 'deny',
      rule: error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 'deny:header-timeout' : 'deny:bad-request',
      reason,
      bytesUp: 0,
      bytesDown: 0,
      durationMs: 0,
      policyVersion: options.policyVersion ?? '',
    });
    socket.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
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
            agent.destroy();
          }),
      });
    });
  });
}
