import { afterEach, describe, expect, it } from 'vitest';
import { startScriptedModel, type ScriptedModel } from '../../../src/verify/scripted-model/server.js';

// The stand-in answers Claude Code's server review (plan and auto mode) the way the pinned binary parses.

let model: ScriptedModel | undefined;
afterEach(async () => model?.close());

const script = {
  turns: [{ type: 'tool_use' as const, calls: [{ name: 'Bash', input: { command: 'ls' }, id: 'toolu_a' }] }],
};
const post = async (body: Record<string, unknown>): Promise<string> => {
  const res = await fetch(`${model?.url}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return res.text();
};
const main = { model: 'm', max_tokens: 100, tools: [{ name: 'Bash' }], messages: [] };
const review = [{ type: 'dangerous_tool_use', classifier_context: 'ctx' }];
const verdict = (ids: string[]) => [
  {
    type: 'dangerous_tool_use',
    status: {
      type: 'available',
      tool_uses: Object.fromEntries(ids.map((id) => [id, { type: 'evaluated', outcome: 'not_flagged' }])),
    },
  },
];

describe('safeguard_results', () => {
  it('rides on the final message_delta of a streamed reply that asked for them, keyed by tool_use id', async () => {
    model = await startScriptedModel({ script });
    const sse = await post({ ...main, stream: true, safeguards: review });
    const deltas = sse
      .split('\n')
      .filter((l) => l.startsWith('data: '))
      .map((l) => JSON.parse(l.slice(6)) as { type: string; delta?: Record<string, unknown> })
      .filter((e) => e.type === 'message_delta');
    expect(deltas).toHaveLength(1);
    expect(deltas[0]?.delta?.safeguard_results).toEqual(verdict(['toolu_a']));
    expect(sse.split('\n').find((l) => l.includes('message_start'))).not.toContain('safeguard_results');
  });

  it('is a top-level key of a non-streamed review request, for the pending assistant tool call', async () => {
    model = await startScriptedModel({ script });
    const pending = {
      role: 'assistant',
      content: [{ type: 'tool_use', id: 'toolu_pending', name: 'Bash', input: {} }],
    };
    const body = JSON.parse(
      await post({ model: 'm', max_tokens: 0, messages: [pending], safeguards: review }),
    ) as {
      safeguard_results?: unknown;
    };
    expect(body.safeguard_results).toEqual(verdict(['toolu_pending']));
  });

  it('is absent when the request did not ask', async () => {
    model = await startScriptedModel({ script });
    expect(await post({ ...main, stream: true })).not.toContain('safeguard_results');
  });
});
