import { isIPv4 } from 'node:net';
import { parseIpv4, parseIpv6 } from '../../common/address.js';
import type { IpAddress } from '../../common/address.js';

/**
 * What a host from a request turns out to be once normalised. `canonical` says whether the raw text
 * already was that form (ASCII case and one trailing dot aside): a host that needed decoding
 * (percent-encoding, full-width or other Unicode forms, IDN in Unicode, a short or hex IPv4) is not.
 */
export type ParsedHost =
  | { kind: 'name'; name: string; canonical: boolean }
  | { kind: 'address'; address: IpAddress; zone: string | null; canonical: boolean }
  | { kind: 'invalid'; reason: string };

/** A host and port taken from a CONNECT target, an absolute URI or a Host header. */
export interface Authority {
  host: string;
  port: number;
}

const LABEL = /^[a-z0-9_-]{1,63}$/;
// Characters that would change how a URL parser splits the authority, or that never belong in a host.
// eslint-disable-next-line no-control-regex
const FORBIDDEN = /[\u0000-\u0020\u007f/\\?#@[\]:<>^|"'`{}]/;

/**
 * Normalises a host exactly once, the way every later check sees it. Why WHATWG URL: it is the parser
 * browsers and Node's fetch use, it turns every IPv4 spelling (`2130706433`, `0x7f.1`, `0177.0.0.1`,
 * `127.1`, full-width digits, percent-encoding) into dotted decimal and IDNs into punycode, so nothing
 * that is an address can pass as a name. Lower case; one trailing dot dropped. Whether the input needed
 * any of that is kept in `canonical`: the decision refuses what was not (nonCanonicalReason).
 */
export function normaliseHost(raw: string): ParsedHost {
  if (raw.length === 0 || raw.length > 1024) return { kind: 'invalid', reason: 'empty or overlong host' };
  if (raw.startsWith('[')) {
    if (!raw.endsWith(']')) return { kind: 'invalid', reason: 'unterminated IPv6 literal' };
    return ipv6Literal(raw.slice(1, -1));
  }
  // An unbracketed IPv6 address (only ever seen outside an authority, e.g. a DNS answer) is still one.
  if (raw.includes(':')) return ipv6Literal(raw);
  if (FORBIDDEN.test(raw)) return { kind: 'invalid', reason: 'host contains characters a host name cannot' };
  let hostname: string;
  try {
    const url = new URL(`http://${raw}/`);
    if (url.username || url.password || url.port || url.pathname !== '/') throw new Error('not a bare host');
    hostname = url.hostname;
  } catch {
    return { kind: 'invalid', reason: 'not a valid host name or address' };
  }
  // What the client wrote, up to ASCII case and one trailing dot: canonical iff URL changed nothing else.
  const written = (raw.endsWith('.') ? raw.slice(0, -1) : raw).toLowerCase();
  // URL only emits dotted decimal for hosts it parsed as IPv4, whatever the spelling it was given.
  if (isIPv4(hostname)) {
    const address = parseIpv4(hostname);
    if (address) return { kind: 'address', address, zone: null, canonical: written === address.text };
  }
  const name = hostname.endsWith('.') ? hostname.slice(0, -1) : hostname;
  return hostName(name, written === name);
}

function hostName(name: string, canonical: boolean): ParsedHost {
  if (name.length === 0 || name.length > 253)
    return { kind: 'invalid', reason: 'host name length out of range' };
  if (!name.split('.').every((label) => LABEL.test(label))) {
    return { kind: 'invalid', reason: 'host name has an empty or invalid label' };
  }
  return { kind: 'name', name, canonical };
}

// Why zone ids are kept apart: `fe80::1%eth0` names an interface on the gate itself; it is reported as
// the address it is and always refused.
function ipv6Literal(inner: string): ParsedHost {
  const percent = inner.indexOf('%');
  const text = percent === -1 ? inner : inner.slice(0, percent);
  let zone = percent === -1 ? null : inner.slice(percent + 1);
  if (zone !== null && zone.startsWith('25')) zone = zone.slice(2);
  const address = parseIpv6(text);
  if (address === null) return { kind: 'invalid', reason: 'not a valid IPv6 address' };
  return { kind: 'address', address, zone, canonical: text.toLowerCase() === address.text };
}

/**
 * Why a host must arrive canonical: a check that decodes a spelling (`exa%6Dple.com`, full-width
 * letters, `127.1`) decides on a name the client never sent, while the upstream, a vhost or a later
 * resolver may read the raw text another way. One line for the refusal, or null when it is canonical.
 */
export function nonCanonicalReason(parsed: ParsedHost, raw: string): string | null {
  if (parsed.kind === 'invalid' || parsed.canonical) return null;
  const shown = JSON.stringify(raw.slice(0, 100));
  const as = hostText(parsed, raw);
  return `host ${shown} is not in canonical form (it decodes to ${as}); send ${as} itself`;
}

/** The text of a normalised host as events show it: the name, the canonical address, or `[v6]`. */
export function hostText(parsed: ParsedHost, raw: string): string {
  switch (parsed.kind) {
    case 'name':
      return parsed.name;
    case 'address':
      return parsed.address.family === 6 ? `[${parsed.address.text}]` : parsed.address.text;
    case 'invalid':
      return raw.slice(0, 255);
  }
}

/**
 * Splits `host:port` (IPv6 in brackets). `defaultPort` applies when no port is given; null means a port
 * is required (CONNECT). Returns null when the authority is malformed, e.g. an unbracketed IPv6 address,
 * whose last group cannot be told from a port.
 */
export function parseAuthority(authority: string, defaultPort: number | null): Authority | null {
  let host: string;
  let rest: string;
  if (authority.startsWith('[')) {
    const end = authority.indexOf(']');
    if (end === -1) return null;
    host = authority.slice(0, end + 1);
    rest = authority.slice(end + 1);
  } else {
    const colon = authority.indexOf(':');
    if (colon !== authority.lastIndexOf(':')) return null;
    host = colon === -1 ? authority : authority.slice(0, colon);
    rest = colon === -1 ? '' : authority.slice(colon);
  }
  if (host.length === 0 || host === '[]') return null;
  if (rest === '') return defaultPort === null ? null : { host, port: defaultPort };
  if (!/^:\d{1,5}$/.test(rest)) return null;
  const port = Number(rest.slice(1));
  if (port < 1 || port > 65535) return null;
  return { host, port };
}
