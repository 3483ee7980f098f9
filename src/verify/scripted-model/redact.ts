import type { IncomingHttpHeaders } from 'node:http';

// Why: recorded requests end up in test output and audit fixtures; a key must never be copied there.
const SECRET_HEADERS = new Set(['x-api-key', 'authorization', 'proxy-authorization', 'cookie']);

/** Flattens headers and replaces credential values by `[redacted]` (presence stays visible). */
export function redactHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[name] = SECRET_HEADERS.has(name) ? '[redacted]' : Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}
