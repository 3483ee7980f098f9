import type { AssistantReply } from './messages.js';

// Only node built-ins and siblings: this module runs inside a container from a bare Node binary.

/** The one safeguard Claude Code asks for (auto and plan mode's server review of tool calls). */
const DANGEROUS_TOOL_USE = 'dangerous_tool_use';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function asksForReview(body: unknown): boolean {
  return (
    isRecord(body) &&
    Array.isArray(body.safeguards) &&
    body.safeguards.some((s) => isRecord(s) && s.type === DANGEROUS_TOOL_USE)
  );
}

/** Tool-use ids of the request's last message when it is the assistant's (the separate review call). */
function pendingToolUses(body: unknown): string[] {
  if (!isRecord(body) || !Array.isArray(body.messages)) return [];
  const last: unknown = body.messages.at(-1);
  if (!isRecord(last) || last.role !== 'assistant' || !Array.isArray(last.content)) return [];
  return last.content.flatMap((b) =>
    isRecord(b) && b.type === 'tool_use' && typeof b.id === 'string' ? [b.id] : [],
  );
}

/**
 * The `safeguard_results` a request that asked for them gets: every tool call of the reply (and of a
 * review request's pending assistant message) `evaluated` and `not_flagged`. Why: since 2.1.278 Claude
 * Code in plan and auto mode behind a gateway waits for this verdict and, without one, refuses tool
 * calls and ends the session; the shape (an array of `{type, status: {type: "available", tool_uses}}`
 * keyed by tool_use id) is the one the pinned binary's parser accepts. The stand-in never flags: ccbox's
 * own boundaries are what a scripted session tests, not Anthropic's server review.
 */
export function safeguardResults(body: unknown, reply: AssistantReply): unknown[] | undefined {
  if (!asksForReview(body)) return undefined;
  const ids = [
    ...pendingToolUses(body),
    ...reply.content.flatMap((b) => (b.type === 'tool_use' ? [b.id] : [])),
  ];
  const toolUses = Object.fromEntries(ids.map((id) => [id, { type: 'evaluated', outcome: 'not_flagged' }]));
  return [{ type: DANGEROUS_TOOL_USE, status: { type: 'available', tool_uses: toolUses } }];
}
