import type { RequestKind } from './types.js';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Why these rules (checked against the Claude Code binary's traffic): the agent loop always sends
 * its tool list and a real output budget; side requests (titles, summaries, quota probes with
 * `max_tokens: 1`, token counts) send no tools or use their own endpoint, and must not eat a turn.
 */
export function classifyRequest(method: string, path: string, body: unknown): RequestKind {
  const pathname = path.split('?')[0] ?? '';
  if (method !== 'POST') return 'other';
  if (pathname === '/v1/messages/count_tokens') return 'count_tokens';
  if (pathname !== '/v1/messages') return 'other';
  if (!isRecord(body)) return 'side';
  const hasTools = Array.isArray(body.tools) && body.tools.length > 0;
  const budget = typeof body.max_tokens === 'number' ? body.max_tokens : 0;
  return hasTools && budget > 1 ? 'main' : 'side';
}
