/**
 * How a request's body is delimited, as the gate will send it on: nothing, exactly `length` bytes, or
 * chunked. Why the gate decides this itself: a body whose framing the next hop reads differently from
 * the gate (a GET with a chunked body the gate forwards unframed, a Content-Length named in
 * `Connection`) turns one checked request into two, the second one never checked.
 */
export type Framing =
  | { ok: true; body: 'none' }
  | { ok: true; body: 'length'; length: number }
  | { ok: true; body: 'chunked' }
  | { ok: false; reason: string };

// Why refuse a body here rather than forward it: these methods have no defined body semantics, servers
// ignore or reject it, and an ignored body is exactly where a smuggled second request hides.
const BODYLESS = new Set(['GET', 'HEAD', 'TRACE', 'CONNECT']);

/**
 * The framing of a parsed request, from its raw headers. Node's parser already refuses Content-Length
 * with Transfer-Encoding, repeated Content-Length and obfold; this checks again (it is cheap) so that the
 * gate never depends on one parser's leniency, and refuses a body on a method that has none.
 */
export function requestFraming(method: string, raw: readonly string[]): Framing {
  const lengths: string[] = [];
  const encodings: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]?.toLowerCase();
    if (name === 'content-length') lengths.push((raw[i + 1] ?? '').trim());
    else if (name === 'transfer-encoding') encodings.push((raw[i + 1] ?? '').trim().toLowerCase());
  }
  if (lengths.length > 0 && encodings.length > 0)
    return { ok: false, reason: 'both Content-Length and Transfer-Encoding: ambiguous framing' };
  if (lengths.length > 1) return { ok: false, reason: 'more than one Content-Length: ambiguous framing' };
  if (encodings.length > 1 || (encodings.length === 1 && encodings[0] !== 'chunked'))
    return { ok: false, reason: 'Transfer-Encoding other than one "chunked" is not forwarded' };
  const bodyless = BODYLESS.has(method.toUpperCase());
  if (encodings.length === 1) {
    if (bodyless) return { ok: false, reason: `a ${method} request carries no body (it was chunked)` };
    return { ok: true, body: 'chunked' };
  }
  const text = lengths[0];
  if (text === undefined) return { ok: true, body: 'none' };
  if (!/^\d{1,15}$/.test(text)) return { ok: false, reason: 'Content-Length is not a number' };
  const length = Number(text);
  if (length === 0) return { ok: true, body: 'none' };
  if (bodyless)
    return { ok: false, reason: `a ${method} request carries no body (Content-Length ${length})` };
  return { ok: true, body: 'length', length };
}

/** The framing headers the gate sends for `framing` (none when there is no body). */
export function framingHeaders(framing: Framing & { ok: true }): string[] {
  if (framing.body === 'length') return ['Content-Length', String(framing.length)];
  if (framing.body === 'chunked') return ['Transfer-Encoding', 'chunked'];
  return [];
}
