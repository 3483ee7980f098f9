/** One tool call the scripted model asks Claude Code to make. */
export interface ScriptedToolCall {
  /** Tool name as Claude Code knows it, e.g. `Bash`, `Write`, `mcp__server__tool`. */
  name: string;
  input: Record<string, unknown>;
  /** Optional fixed tool_use id; default `toolu_scripted_<turn>_<index>`. */
  id?: string;
}

/** One assistant turn: plain text (ends the turn), or tool calls (optionally preceded by text). */
export type ScriptTurn =
  { type: 'text'; text: string } | { type: 'tool_use'; calls: readonly ScriptedToolCall[]; text?: string };

/** What the model says, one turn per main-loop request. */
export interface Script {
  turns: readonly ScriptTurn[];
  /** Answer once the turns are used up; default "Scripted session complete." */
  finalText?: string;
}

/** How the server classified a request. */
export type RequestKind = 'main' | 'side' | 'count_tokens' | 'other';

/** One request as the server saw it; credential headers are replaced by `[redacted]`. */
export interface RecordedRequest {
  index: number;
  method: string;
  /** Path and query, e.g. `/v1/messages?beta=true`. */
  path: string;
  headers: Record<string, string>;
  /** Parsed JSON body, the raw text when it is not JSON, or null when empty. */
  body: unknown;
  kind: RequestKind;
  /** For `main` requests: the index of the script turn it consumed, or -1 for the final text. */
  turn?: number;
}

/** A tool_result block Claude Code sent back, flattened for assertions. */
export interface ToolResult {
  toolUseId: string;
  isError: boolean;
  /** The result's text (text blocks joined with newlines). */
  content: string;
  /** Index of the request that carried it. */
  requestIndex: number;
}
