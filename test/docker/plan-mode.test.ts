import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecordedRequest } from '../../src/verify/scripted-model/types.js';
import { toolResults } from '../../src/verify/scripted-model/tool-results.js';
import { isRoot, makeRepo, outsideNetwork, runCli } from './cli.js';
import { ensureModelImage, startModel, type ScriptedModelFixture } from './model.js';

// The plan-mode tiers (regulated, privileged-infra) with the real Claude Code behind the gate: since
// 2.1.278 it asks the server to review each tool call (`safeguards`) and refuses the call without a
// verdict. The stand-in answers the review, so a scripted session in these tiers runs its read-only calls.

const KEY = 'sk-ant-api03-plan-mode-test-key';

describe.skipIf(!isRoot)('plan-mode tiers against the scripted model', () => {
  let repo = '';
  const models: ScriptedModelFixture[] = [];
  beforeAll(() => {
    repo = makeRepo(1000);
  });
  afterAll(async () => {
    await Promise.all(models.map((m) => m.container.stop()));
  });

  it.each(['regulated', 'privileged-infra'])(
    '%s: the server review is answered, the scripted calls are decided and the session ends with 0',
    async (tier) => {
      const model = await startModel({
        name: `ccbox-test-plan-${tier}`,
        network: outsideNetwork(),
        image: await ensureModelImage(),
        apiKey: KEY,
        script: {
          turns: [
            { type: 'tool_use', calls: [{ name: 'Read', input: { file_path: '/workspace/README.md' } }] },
            {
              type: 'tool_use',
              calls: [
                { name: 'Bash', input: { command: 'touch /workspace/made-in-plan', description: 'touch' } },
              ],
            },
            { type: 'text', text: 'plan-ok' },
          ],
        },
      });
      models.push(model);
      const r = await runCli(
        ['run', '--plain', '--profile', tier, '--', '-p', 'read the readme', '--output-format', 'json'],
        { cwd: repo, env: { ANTHROPIC_API_KEY: KEY, CCBOX_MODEL_UPSTREAM: model.url, HOME: os.tmpdir() } },
      );
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout.trim()) as { result: string }).toMatchObject({ result: 'plan-ok' });
      const seen = (
        (await (await fetch(`${model.url}/_scripted/requests`)).json()) as { requests: RecordedRequest[] }
      ).requests;
      const [read] = toolResults(seen);
      expect(read, JSON.stringify(toolResults(seen))).toMatchObject({ isError: false });
      expect(read?.content).toContain('# fixture');
      // The binary asked for the review, and got past the call it reviews (without a verdict it ends
      // the session with an error: tried once by answering none).
      expect(seen.some((q) => JSON.stringify(q.body ?? '').includes('"dangerous_tool_use"'))).toBe(true);
      expect(toolResults(seen)).toHaveLength(2);
    },
    300_000,
  );
});
