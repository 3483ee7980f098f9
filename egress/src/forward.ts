import { http } from './builtins.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { hostText, normaliseHost, parseAuthority } from '../../src/policy/egress/index.js';
import type { Authority, Verdict } from '../../src/policy/egress/index.js';
import type { ActiveFlow, GateContext } from './context.js';
import { admit, busy, record, refusal } from './context.js';
import { framingHeaders, requestFraming } from './framing.js';
import { forwardHeaders, hostHeaders, responseHeaders } from './headers.js';
import { openUpstream } from './open.js';
import { refuseResponse, statusFor } from './respond.js';

// `http://authority` then path and query; a fragment is never sent.
const ABSOLUTE_HTTP = /^http:\/\/([^/?#]*)([^#]*)/i;

// Why `canonical` on the header too: the upstream reads the Host header, so it must say what was checked.
function sameAuthority(header: Authority, target: Authority): boolean {
  const parsed = normaliseHost(header.host);
  const canonical = parsed.kind !== 'invalid' && parsed.canonical;
  return canonical && header.port === target.port && hostText(parsed, header.host) === hostOf(target);
}

const hostOf = (a: Authority): string => hostText(normaliseHost(a.host), a.host);

/**
 * Handles one plain-HTTP request: only absolute-URI (proxy) requests are forwarded; origin-form
 * requests get the health endpoint or a refusal. Why refuse a Host header that differs from the
 * target: the gate decides on the target while an upstream (or a virtual host behind it) may route on
 * Host, so a mismatch lets an allowed target smuggle a request to a host the policy never saw.
 */
export function handleRequest(ctx: GateContext, req: IncomingMessage, res: ServerResponse): void {
  const startedAt = Date.now();
  const startedMono = performance.now();
  const url = req.url ?? '';
  const event = { method: 'HTTP' as const, startedAt, startedMono, bytesUp: 0, bytesDown: 0 };
  const refuse = (host: string, port: number, verdict: Verdict, address: string | null = null): void => {
    record(ctx, { ...event, host, port, address, verdict });
    refuseResponse(res, statusFor(verdict.rule), verdict.rule, verdict.reason);
  };

  if (url.startsWith('/')) {
    if (url === '/healthz' && (req.method === 'GET' || req.method === 'HEAD')) return health(ctx, res);
    const why = 'the gate is a forward proxy: send absolute-URI requests, or CONNECT for TLS';
    return refuse((req.headers.host ?? '').slice(0, 255), 0, refusal('deny:origin-form', why));
  }
  if (ctx.closing) return refuse('', 0, refusal('deny:shutting-down', 'the gate is shutting down'));
  if (ctx.sink.failure() !== null) {
    return refuse('', 0, refusal('deny:audit-unavailable', 'the audit log cannot be written'));
  }
  const match = ABSOLUTE_HTTP.exec(url);
  const authorityText = match?.[1] ?? '';
  const authority = authorityText.includes('@') ? null : parseAuthority(authorityText, 80);
  if (match === null || authority === null) {
    const why = /^https:/i.test(url)
      ? 'https URLs go through CONNECT'
      : 'request target must be http://host[:port]/path without user info';
    return refuse(url.slice(0, 255), 0, refusal('deny:invalid-target', why));
  }
  const rawPath = match[2] ?? '';
  const path = rawPath.startsWith('/') ? rawPath : `/${rawPath}`;

  // The policy decides first (its rules name why); then the Host and framing checks, before any dial.
  const admission = admit(ctx, authority);
  if (!admission.admitted)
    return refuse(admission.host, admission.port, admission.verdict, admission.address);
  const target = admission.target;
  const hosts = hostHeaders(req.rawHeaders);
  const hostHeader = hosts[0];
  const headerAuthority = hostHeader === undefined ? null : parseAuthority(hostHeader.trim(), 80);
  if (
    hosts.length > 1 ||
    (hostHeader !== undefined && (headerAuthority === null || !sameAuthority(headerAuthority, authority)))
  ) {
    const why = `Host header ${JSON.stringify(hosts.join(', ').slice(0, 200))} differs from the request target ${authorityText}`;
    return refuse(hostOf(authority), authority.port, refusal('deny:host-mismatch', why));
  }
  const framing = requestFraming(req.method ?? '', req.rawHeaders);
  if (!framing.ok) return refuse(hostOf(authority), authority.port, refusal('deny:framing', framing.reason));

  const abort = new AbortController();
  let upstream: Socket | null = null;
  const release = busy(ctx, req.socket);
  const flow: ActiveFlow = {
    kind: 'HTTP',
    destroy: () => {
      abort.abort(new Error('request closed'));
      res.destroy();
      upstream?.destroy();
    },
  };
  ctx.active.add(flow);
  let clientGone = false;
  const onEarlyClose = (): void => {
    clientGone = true;
    abort.abort(new Error('client went away'));
  };
  res.once('close', onEarlyClose);
  const where = { host: target.host, port: target.port };

  void openUpstream(ctx, target, abort.signal)
    .then((opened) => {
      res.off('close', onEarlyClose);
      if (!opened.ok || clientGone || res.destroyed) {
        ctx.active.delete(flow);
        release();
        if (opened.ok) opened.upstream.socket.destroy();
        const reason = opened.ok ? 'client went away before the request was sent' : opened.reason;
        const address = opened.ok ? opened.upstream.address : opened.address;
        const outcome = opened.ok ? 'aborted' : opened.outcome;
        record(ctx, {
          ...event,
          ...where,
          address,
          verdict: opened.verdict,
          forwarded: false,
          reason,
          outcome,
        });
        if (!opened.ok) refuseResponse(res, opened.status, opened.verdict.rule, reason);
        return;
      }
      const up = opened.upstream.socket;
      upstream = up;
      let ending: string | undefined;
      up.on('error', (error: Error) => {
        ending ??= `upstream error: ${error.message}`;
      });
      up.setTimeout(ctx.policy.source.idleTimeoutMs, () => {
        ending ??= 'idle timeout';
        flow.destroy();
      });
      const host = target.port === 80 ? target.host : `${target.host}:${target.port}`;
      const upReq = http.request({
        createConnection: () => up,
        method: req.method,
        path,
        headers: forwardHeaders(req.rawHeaders, host, framingHeaders(framing)),
        setHost: false,
      });
      upReq.on('error', (error: Error) => {
        ending ??= `upstream error: ${error.message}`;
        if (!res.headersSent)
          refuseResponse(res, 502, opened.verdict.rule, `upstream failed: ${error.message}`);
        else res.destroy();
      });
      upReq.on('response', (upRes: IncomingMessage) => {
        upRes.on('error', () => res.destroy());
        upRes.on('aborted', () => res.destroy());
        res.writeHead(upRes.statusCode ?? 502, upRes.statusMessage, responseHeaders(upRes.rawHeaders));
        upRes.pipe(res);
      });
      req.on('error', () => upReq.destroy());
      // Exactly the body the framing says, as the parser delimited it; no body means none is written.
      if (framing.body === 'none') upReq.end();
      else req.pipe(upReq);
      res.once('close', () => {
        up.destroy();
        ctx.active.delete(flow);
        release();
        const verdict = opened.verdict;
        record(ctx, {
          ...event,
          ...where,
          address: opened.upstream.address,
          verdict,
          ...(ending === undefined ? {} : { reason: `${verdict.reason}; ${ending}` }),
          bytesUp: up.bytesWritten,
          bytesDown: up.bytesRead,
        });
      });
    })
    .catch((error: unknown) => {
      ctx.log(`gate: HTTP ${target.host}:${target.port} failed unexpectedly: ${String(error)}`);
      ctx.active.delete(flow);
      release();
      flow.destroy();
    });
}

/** `GET /healthz`: 200 with the mode and allowlist size while the gate can forward and record, else 503. */
function health(ctx: GateContext, res: ServerResponse): void {
  const ok = !ctx.closing && ctx.sink.failure() === null;
  const body = JSON.stringify({
    status: ok ? 'ok' : 'unavailable',
    mode: ctx.policy.mode,
    allowHosts: ctx.policy.allow.size,
    policyVersion: ctx.policy.policyVersion,
  });
  res.writeHead(ok ? 200 : 503, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
  });
  res.end(body);
}
