import { hostText, normaliseHost, parseAuthority } from '../../src/policy/egress/index.js';
import type { CompiledEgressPolicy, TargetVerdict } from '../../src/policy/egress/index.js';
import { looksLikeTls, parseClientHello } from './client-hello.js';

/** What the first bytes of a tunnel decide: wait for more, let it through, or refuse it and how. */
export type TunnelStart =
  | { status: 'more' }
  | { status: 'ok' }
  | { status: 'refuse'; rule: string; reason: string; answer: 'tls' | 'http' };

/** The most a tunnel's first request head may take before the gate refuses it. */
const MAX_HEAD_BYTES = 16 * 1024;
const REQUEST_LINE = /^[A-Z]{1,20} (\/\S*|\*) HTTP\/1\.[01]$/;
const FIELD = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+):[ \t]*(.*?)[ \t]*$/;

const refuse = (rule: string, reason: string, answer: 'tls' | 'http'): TunnelStart => ({
  status: 'refuse',
  rule,
  reason,
  answer,
});

/**
 * Checks the first bytes a client sends into a CONNECT tunnel, before any of them reaches the upstream.
 * Why: the policy decided on the CONNECT host, but on a shared address (a CDN) the server that answers
 * is chosen by the TLS server name or the HTTP Host, so without this the allowlist holds per address,
 * not per name. TLS: the ClientHello's server name must be the CONNECT host (an address target must
 * send none). Elsewhere the first request's Host must be the CONNECT host, unless the port is a raw
 * tunnel port (the caller skips this check then). What it cannot see: later requests in a kept-alive
 * plain-HTTP tunnel, and the inner name of an Encrypted Client Hello (README, "What the gate checks").
 */
export function checkTunnelStart(
  policy: CompiledEgressPolicy,
  target: TargetVerdict,
  bytes: Buffer,
): TunnelStart {
  if (bytes.length === 0) return { status: 'more' };
  if (looksLikeTls(bytes)) return checkHello(policy, target, bytes);
  if (policy.tlsPorts.has(target.port)) {
    const why = `tunnels to port ${target.port} carry TLS, and the first bytes were not a ClientHello`;
    return refuse('deny:not-tls', why, 'http');
  }
  return checkHttp(target, bytes);
}

function checkHello(policy: CompiledEgressPolicy, target: TargetVerdict, bytes: Buffer): TunnelStart {
  const hello = parseClientHello(bytes);
  if (hello.status === 'incomplete') return { status: 'more' };
  if (hello.status === 'invalid') return refuse('deny:tls-invalid', `TLS: ${hello.reason}`, 'tls');
  const name = hello.serverName;
  if (name === null) {
    if (target.kind === 'address' || policy.allowMissingSni) return { status: 'ok' };
    const why = `the ClientHello names no server (SNI missing); the CONNECT named ${target.host}`;
    return refuse('deny:sni-missing', why, 'tls');
  }
  const parsed = normaliseHost(name);
  const same =
    target.kind === 'name' && parsed.kind === 'name' && parsed.canonical && parsed.name === target.host;
  if (same) return { status: 'ok' };
  const shown = parsed.kind === 'invalid' ? JSON.stringify(name.slice(0, 100)) : hostText(parsed, name);
  const why = `the ClientHello names ${shown}, the CONNECT named ${target.host}`;
  return refuse('deny:sni-mismatch', why, 'tls');
}

function checkHttp(target: TargetVerdict, bytes: Buffer): TunnelStart {
  const end = bytes.indexOf('\r\n\r\n');
  if (end === -1) {
    if (bytes.length < MAX_HEAD_BYTES && couldBeHttp(bytes)) return { status: 'more' };
    return refuse('deny:not-http', notHttp(target), 'http');
  }
  const [line = '', ...fields] = bytes.subarray(0, end).toString('latin1').split('\r\n');
  if (!REQUEST_LINE.test(line)) return refuse('deny:not-http', notHttp(target), 'http');
  const hosts: string[] = [];
  for (const field of fields) {
    const m = FIELD.exec(field);
    if (m === null)
      return refuse('deny:not-http', 'malformed header line in the tunnel’s first request', 'http');
    if (m[1]?.toLowerCase() === 'host') hosts.push(m[2] ?? '');
  }
  const authority = hosts.length === 1 ? parseAuthority(hosts[0] ?? '', target.port) : null;
  const parsed = authority === null ? null : normaliseHost(authority.host);
  const same =
    authority !== null &&
    parsed !== null &&
    parsed.kind !== 'invalid' &&
    parsed.canonical &&
    authority.port === target.port &&
    hostText(parsed, authority.host) === target.host;
  if (same) return { status: 'ok' };
  const shown = JSON.stringify(hosts.join(', ').slice(0, 200));
  const why = `the tunnel's first request has Host ${shown}; the CONNECT named ${target.host}:${target.port}`;
  return refuse('deny:tunnel-host-mismatch', why, 'http');
}

// Whether a partial head can still become an HTTP request line (upper-case method, then a space).
function couldBeHttp(bytes: Buffer): boolean {
  const text = bytes.subarray(0, 22).toString('latin1');
  return /^[A-Z]{1,20}( |$)/.test(text);
}

const notHttp = (target: TargetVerdict): string =>
  `the first bytes into the tunnel to port ${target.port} are neither TLS nor an HTTP request, and raw tunnels to that port are not allowed`;
