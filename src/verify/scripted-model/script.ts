import type { Script, ScriptTurn, ScriptedToolCall } from './types.js';

// Only node built-ins and siblings: this module runs inside a container from a bare Node binary.

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseCall(value: unknown, where: string): ScriptedToolCall {
  if (!isRecord(value) || typeof value.name !== 'string' || value.name === '' || !isRecord(value.input)) {
    throw new Error(`${where}: a tool call needs a non-empty "name" and an object "input"`);
  }
  if (value.id !== undefined && typeof value.id !== 'string')
    throw new Error(`${where}: "id" must be a string`);
  return { name: value.name, input: value.input, ...(typeof value.id === 'string' ? { id: value.id } : {}) };
}

function parseTurn(value: unknown, where: string): ScriptTurn {
  if (!isRecord(value)) throw new Error(`${where}: a turn must be an object`);
  if (value.text !== undefined && typeof value.text !== 'string')
    throw new Error(`${where}: "text" must be a string`);
  const text = typeof value.text === 'string' ? value.text : undefined;
  if (value.type === 'text') {
    if (text === undefined) throw new Error(`${where}: a text turn needs "text"`);
    return { type: 'text', text };
  }
  if (value.type === 'tool_use') {
    if (!Array.isArray(value.calls) || value.calls.length === 0)
      throw new Error(`${where}: a tool_use turn needs a non-empty "calls" list`);
    const calls = value.calls.map((call, index) => parseCall(call, `${where}.calls[${index}]`));
    return { type: 'tool_use', calls, ...(text === undefined ? {} : { text }) };
  }
  throw new Error(`${where}: "type" must be "text" or "tool_use"`);
}

/** Why hand-written: the standalone server has no node_modules, so no zod; every bad field is named. */
export function parseScript(value: unknown): Script {
  const raw = Array.isArray(value) ? { turns: value } : value;
  if (!isRecord(raw) || !Array.isArray(raw.turns))
    throw new Error('script: expected a list of turns or {"turns": [...]}');
  if (raw.finalText !== undefined && typeof raw.finalText !== 'string')
    throw new Error('script.finalText must be a string');
  const turns = raw.turns.map((turn, index) => parseTurn(turn, `script.turns[${index}]`));
  return { turns, ...(typeof raw.finalText === 'string' ? { finalText: raw.finalText } : {}) };
}
