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

// Why the gate always sets these itself: the Host it checked and the framing it decided (framing.ts).
// A client's own copies are dropped, and naming them in `Connection` changes nothing.
const GATE_OWNED = ['host', 'content-length', 'transfer-encoding'];

// Headers named in Connection are hop-by-hop too (RFC 9110, section 7.6.1).
function hopByHop(raw: readonly string[], extra: readonly string[]): Set<string> {
  const names = new Set(HOP_BY_HOP);
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if (raw[i]?.toLowerCase() !== 'connection') continue;
    for (const token of (raw[i + 1] ?? '').split(',')) names.add(token.trim().toLowerCase());
  }
  for (const name of extra) names.add(name);
  return names;
}

function filter(raw: readonly string[], extra: readonly string[] = []): string[] {
  const drop = hopByHop(raw, extra);
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
 * Request headers for the upstream: the gate's Host and framing, then the client's headers in order
 * and case minus hop-by-hop ones and the gate-owned ones, then `Connection: close` (one upstream
 * connection per request, never reused).
 */
export function forwardHeaders(raw: readonly string[], host: string, framing: readonly string[]): string[] {
  return ['Host', host, ...framing, ...filter(raw, GATE_OWNED), 'Connection', 'close'];
}

/**
 * Response headers for the client: the upstream's minus hop-by-hop ones. Content-Length passes (Node
 * frames the body by it); a chunked body is re-chunked by Node.
 */
export function responseHeaders(raw: readonly string[]): string[] {
  return filter(raw);
}

/** Request headers for the model relay: `forwardHeaders` without the Connection line (the relay's agent owns it). */
export function relayHeaders(raw: readonly string[], drop: readonly string[]): string[] {
  return filter(raw, [...GATE_OWNED, ...drop]);
}
