// Why strip these: they describe one hop (client to gate, or gate to upstream), never the next one.
// Proxy-Authorization in particular must never travel on to the destination.
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

// Headers named in Connection are hop-by-hop too (RFC 9110, section 7.6.1).
function hopByHop(raw: readonly string[]): Set<string> {
  const names = new Set(HOP_BY_HOP);
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if (raw[i]?.toLowerCase() !== 'connection') continue;
    for (const token of (raw[i + 1] ?? '').split(',')) names.add(token.trim().toLowerCase());
  }
  return names;
}

function filter(raw: readonly string[]): string[] {
  const drop = hopByHop(raw);
  const out: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i] ?? '';
    if (!drop.has(name.toLowerCase())) out.push(name, raw[i + 1] ?? '');
  }
  return out;
}

/** Every Host header value in a raw header list (more than one is an attack or a bug). */
export function hostHeaders(raw: readonly string[]): string[] {
  const values: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2)
    if (raw[i]?.toLowerCase() === 'host') values.push(raw[i + 1] ?? '');
  return values;
}

/**
 * Request headers for the upstream: the client's, in order and case, minus hop-by-hop ones, plus
 * `Connection: close` (one upstream connection per request) and a Host when the client sent none.
 */
export function forwardHeaders(raw: readonly string[], addHost: string | null): string[] {
  const out = filter(raw);
  if (addHost !== null) out.unshift('Host', addHost);
  out.push('Connection', 'close');
  return out;
}

/** Response headers for the client: the upstream's minus hop-by-hop ones (Node re-frames the body). */
export function responseHeaders(raw: readonly string[]): string[] {
  return filter(raw);
}
