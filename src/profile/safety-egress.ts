import { isIP } from 'node:net';
import { parseCidr, parseIpAddress } from '../common/address.js';
import { classifyAddress, metadataInside } from '../common/ranges.js';

/** Breadth and shape checks for egress hosts and address ranges in a profile. */
// Why: `*.co.uk` or `*.github.io` lets the agent reach any tenant's host, which is an exfiltration path
// as wide as `*`. A short list of common multi-label public suffixes; single-label TLDs are caught by shape.
const PUBLIC_SUFFIXES = new Set([
  'co.uk',
  'org.uk',
  'ac.uk',
  'gov.uk',
  'com.au',
  'net.au',
  'org.au',
  'co.jp',
  'ne.jp',
  'co.nz',
  'com.br',
  'co.in',
  'com.cn',
  'com.mx',
  'co.za',
  'com.tr',
  'com.sg',
  'github.io',
  'gitlab.io',
  'herokuapp.com',
  'vercel.app',
  'netlify.app',
  'pages.dev',
  'workers.dev',
  'appspot.com',
  'web.app',
  'firebaseapp.com',
  'cloudfront.net',
  'amazonaws.com',
  's3.amazonaws.com',
  'azurewebsites.net',
  'blob.core.windows.net',
  'ngrok.io',
  'ngrok-free.app',
  'trycloudflare.com',
  'glitch.me',
  'repl.co',
  'onrender.com',
  'fly.dev',
  'run.app',
]);

const HOST_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/** Checks an egress host pattern's shape; `strict` adds the breadth rules that apply to allow lists. */
export function checkHostPattern(raw: string, strict: boolean): string | null {
  const host = raw.toLowerCase().replace(/\.$/, '');
  if (host === '*' || host === '*.*' || host === '**') return 'allows every host';
  if (isIP(host.replace(/^\[|\]$/g, '')) !== 0)
    return 'is an address literal; name hosts, or use egress.allowCidrs for an exact range';
  const wildcard = host.startsWith('*.');
  const rest = wildcard ? host.slice(2) : host;
  if (rest.includes('*')) return 'may only use `*.` as its first label (e.g. *.example.com)';
  if (rest.includes(':') || rest.includes('/'))
    return 'must be a host name without scheme, port or path (ports go in egress.ports)';
  const labels = rest.split('.');
  if (!labels.every((l) => HOST_LABEL.test(l))) return 'is not a valid host name';
  if (!strict) return null;
  if (labels.length < 2)
    return wildcard
      ? 'allows a whole top-level domain'
      : 'is a single-label name (a whole TLD or an unqualified host)';
  if (wildcard && PUBLIC_SUFFIXES.has(rest)) return `allows every tenant of the public suffix ${rest}`;
  if (PUBLIC_SUFFIXES.has(rest) && rest.split('.').length === 2 && !wildcard) return null;
  return null;
}

/**
 * Checks an allowCidrs range against the one table of special addresses (src/policy/egress/ranges.ts),
 * the same one the gate decides with. Why a metadata address only by its exact range: the gate honours
 * nothing broader for it, and a tier that opens a private range must not open instance credentials too.
 */
export function checkCidr(text: string): string | null {
  const cidr = parseCidr(text);
  if (cidr === null) return 'is not an address range like 10.20.0.0/16';
  if ((cidr.family === 4 && cidr.prefix < 8) || (cidr.family === 6 && cidr.prefix < 32))
    return 'is too broad (at most a /8 for IPv4, a /32 for IPv6)';
  const full = cidr.family === 4 ? 32 : 128;
  const inside = metadataInside(cidr);
  const first = inside[0];
  if (first !== undefined && cidr.prefix !== full) {
    const exact = first.cidr.text;
    return `contains the ${first.label} address ${exact.split('/')[0] ?? exact}; a metadata address opens only by its exact range (${exact})`;
  }
  return null;
}

/** The table's name for an address literal, e.g. `cloud metadata (Azure WireServer)`; null for a name. */
export function addressLabel(host: string): string | null {
  const address = parseIpAddress(host);
  return address === null ? null : classifyAddress(address).label;
}
