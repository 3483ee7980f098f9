import type { RecordedRequest, ToolResult } from './types.js';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function flatten(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((block) => (isRecord(block) && typeof block.text === 'string' ? block.text : ''))
    .filter((text) => text !== '')
    .join('\n');
}

/** Why: tests assert on what Claude Code reported back for a tool call (output, or the denial text). */
export function toolResults(requests: readonly RecordedRequest[]): ToolResult[] {
  const seen = new Map<string, ToolResult>();
  for (const request of requests) {
    if (request.kind !== 'main') continue;
    const messages =
      isRecord(request.body) && Array.isArray(request.body.messages) ? request.body.messages : [];
    for (const message of messages) {
      if (!isRecord(message) || message.role !== 'user' || !Array.isArray(message.content)) continue;
      for (const block of message.content) {
        if (!isRecord(block) || block.type !== 'tool_result' || typeof block.tool_use_id !== 'string')
          continue;
        // Later requests repeat the history; keep the first request that carried each result.
        if (seen.has(block.tool_use_id)) continue;
        seen.set(block.tool_use_id, {
          toolUseId: block.tool_use_id,
          isError: block.is_error === true,
          content: flatten(block.content),
          requestIndex: request.index,
        });
      }
    }
  }
  return [...seen.values()];
}
