import type { Script, ScriptTurn } from './types.js';

/** A content block of an assistant message, in the Messages API's shape. */
export type ContentBlock =
  | { type: 'text'; text: string }
  | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> };

/** One assistant reply, independent of how it is delivered (JSON or SSE). */
export interface AssistantReply {
  id: string;
  model: string;
  content: ContentBlock[];
  stopReason: 'end_turn' | 'tool_use';
  inputTokens: number;
  /** The server review's verdicts, when the request asked for them (see safeguards.ts). */
  safeguardResults?: unknown[];
}

const DEFAULT_FINAL_TEXT = 'Scripted session complete.';

/** Builds the reply for script turn `turn` (past the end: the final text). */
export function replyForTurn(
  script: Script,
  turn: number,
  model: string,
  inputTokens: number,
  id: string,
): AssistantReply {
  const step: ScriptTurn = script.turns[turn] ?? {
    type: 'text',
    text: script.finalText ?? DEFAULT_FINAL_TEXT,
  };
  if (step.type === 'text')
    return { id, model, content: [{ type: 'text', text: step.text }], stopReason: 'end_turn', inputTokens };
  const content: ContentBlock[] = step.text === undefined ? [] : [{ type: 'text', text: step.text }];
  step.calls.forEach((call, index) => {
    content.push({
      type: 'tool_use',
      id: call.id ?? `toolu_scripted_${turn}_${index}`,
      name: call.name,
      input: call.input,
    });
  });
  return { id, model, content, stopReason: 'tool_use', inputTokens };
}

/** A plain text reply, for side requests. */
export function textReply(text: string, model: string, inputTokens: number, id: string): AssistantReply {
  return { id, model, content: [{ type: 'text', text }], stopReason: 'end_turn', inputTokens };
}

function outputTokens(reply: AssistantReply): number {
  return Math.max(1, Math.ceil(JSON.stringify(reply.content).length / 4));
}

/** The non-streaming (`stream: false`) response body. */
export function replyJson(reply: AssistantReply): Record<string, unknown> {
  return {
    id: reply.id,
    type: 'message',
    role: 'assistant',
    model: reply.model,
    content: reply.content,
    stop_reason: reply.stopReason,
    stop_sequence: null,
    usage: {
      input_tokens: reply.inputTokens,
      output_tokens: outputTokens(reply),
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
    },
    ...(reply.safeguardResults ? { safeguard_results: reply.safeguardResults } : {}),
  };
}

function chunks(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out.length > 0 ? out : [''];
}

function event(type: string, data: Record<string, unknown>): string {
  return `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
}

/**
 * Why this exact sequence: Claude Code parses the stream with Anthropic's SDK, which expects
 * message_start, then per block start/deltas/stop, then message_delta (stop_reason, usage) and
 * message_stop; text arrives as text_delta and tool input as input_json_delta fragments.
 */
export function replySse(reply: AssistantReply): string[] {
  // The verdicts come only on the final message_delta, never on message_start.
  const start = {
    ...replyJson({ ...reply, safeguardResults: undefined }),
    content: [],
    stop_reason: null,
    usage: {
      input_tokens: reply.inputTokens,
      output_tokens: 1,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
    },
  };
  const events = [event('message_start', { message: start }), event('ping', {})];
  reply.content.forEach((block, index) => {
    if (block.type === 'text') {
      events.push(event('content_block_start', { index, content_block: { type: 'text', text: '' } }));
      for (const piece of chunks(block.text, 24))
        events.push(event('content_block_delta', { index, delta: { type: 'text_delta', text: piece } }));
    } else {
      events.push(
        event('content_block_start', {
          index,
          content_block: { type: 'tool_use', id: block.id, name: block.name, input: {} },
        }),
      );
      for (const piece of chunks(JSON.stringify(block.input), 24)) {
        events.push(
          event('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: piece } }),
        );
      }
    }
    events.push(event('content_block_stop', { index }));
  });
  events.push(
    event('message_delta', {
      // The verdicts ride on the final message_delta, as the real API sends them.
      delta: {
        stop_reason: reply.stopReason,
        stop_sequence: null,
        ...(reply.safeguardResults ? { safeguard_results: reply.safeguardResults } : {}),
      },
      usage: { output_tokens: outputTokens(reply) },
    }),
  );
  events.push(event('message_stop', {}));
  return events;
}
