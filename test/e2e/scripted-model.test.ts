import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, writeFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseScript } from '../../src/verify/scripted-model/script.js';
import { startScriptedModel, type ScriptedModel } from '../../src/verify/scripted-model/server.js';
import { toolResults } from '../../src/verify/scripted-model/tool-results.js';
import type { RecordedRequest } from '../../src/verify/scripted-model/types.js';
import { isRoot, makeRepo, outsideNetwork } from '../docker/cli.js';
import { ensureModelImage, startModel } from '../docker/model.js';
import type { StartedTestContainer } from 'testcontainers';
import { assertCleanExit, installPackedCli, runPacked, type PackedCli } from './packed-cli.js';

const fixtures = join(import.meta.dirname, '../fixtures/scripts');
const loadScript = async (name: string): Promise<unknown> =>
  JSON.parse(await readFile(join(fixtures, name), 'utf8')) as unknown;
const REAL_KEY = 'sk-ant-e2e-key-held-by-the-gate-only';

function toolResultEvents(events: ReadonlyArray<Record<string, unknown>>): Array<Record<string, unknown>> {
  return events
    .filter((event) => event.type === 'user')
    .flatMap(
      (event) =>
        ((event.message as { content?: unknown[] } | undefined)?.content ?? []) as Array<
          Record<string, unknown>
        >,
    )
    .filter((block) => block.type === 'tool_result');
}

const streamEvents = (stdout: string): Array<Record<string, unknown>> =>
  stdout
    .split('\n')
    .filter((line) => line.trim().startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);

// The packed CLI as a user runs it: `ccbox run` starts the real Claude Code in the agent container, its
// model calls go through the gate's relay to the scripted model (a container on the gate's internal
// outbound network), and what the tools did is checked on the host.
describe.skipIf(!isRoot)('the packed ccbox running Claude Code against the scripted model', () => {
  let cli: PackedCli | undefined;
  const models: StartedTestContainer[] = [];
  const dirs: string[] = [];
  beforeAll(async () => {
    cli = await installPackedCli();
  }, 600_000);
  afterAll(async () => {
    for (const m of models) await m.stop().catch(() => undefined);
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
    await cli?.[Symbol.asyncDispose]();
  });

  /** Starts a scripted model for one run; returns its URL (reachable from the gate and the host). */
  async function model(script: string): Promise<string> {
    const started = await startModel({
      name: `ccbox-test-e2e-model-${models.length}`,
      network: outsideNetwork(),
      image: await ensureModelImage(),
      apiKey: REAL_KEY,
      script: await loadScript(script),
    });
    models.push(started.container);
    return started.url;
  }

  const requests = async (url: string): Promise<RecordedRequest[]> =>
    ((await (await fetch(`${url}/_scripted/requests`)).json()) as { requests: RecordedRequest[] }).requests;

  const ccboxRun = (repo: string, url: string, extra: readonly string[] = []) =>
    runPacked(
      cli?.bin ?? 'ccbox',
      [
        'run',
        '--plain',
        ...extra,
        '--',
        '-p',
        'do it',
        '--output-format',
        'stream-json',
        '--verbose',
        // acceptEdits lets a shell write inside the working directory (bypass mode is disabled).
        '--permission-mode',
        'acceptEdits',
      ],
      { cwd: repo, env: { ANTHROPIC_API_KEY: REAL_KEY, CCBOX_MODEL_UPSTREAM: url, HOME: tmpdir() } },
    );

  it(
    'runs a scripted Bash call in the sandbox; the file lands in the worktree',
    { timeout: 420_000 },
    async () => {
      const url = await model('bash-echo.json');
      const repo = makeRepo(1000);
      dirs.push(join(repo, '..'));
      const r = await ccboxRun(repo, url);
      assertCleanExit(r);
      expect(await readFile(join(repo, 'out.txt'), 'utf8')).toBe('scripted-ok\n');
      const events = streamEvents(r.stdout);
      expect(toolResultEvents(events)).toEqual([
        expect.objectContaining({ tool_use_id: 'toolu_scripted_0_0', is_error: false }),
      ]);
      expect(events.at(-1)).toMatchObject({ type: 'result', subtype: 'success', result: 'Wrote out.txt.' });
      // The model answered (it answers 401 to any other key): the gate sent the real key.
      const seen = await requests(url);
      expect(toolResults(seen)).toEqual([
        expect.objectContaining({ toolUseId: 'toolu_scripted_0_0', isError: false }),
      ]);
    },
  );

  it(
    'denies a tool call the profile forbids: the command would run without the rule, and does not with it',
    { timeout: 600_000 },
    async () => {
      // The control: the same scripted `rm -f keep.txt` under low-risk removes the file.
      const control = makeRepo(1000, 1000, { 'keep.txt': 'still here\n' });
      dirs.push(join(control, '..'));
      assertCleanExit(await ccboxRun(control, await model('bash-denied-rm.json')));
      expect(existsSync(join(control, 'keep.txt'))).toBe(false);

      const repo = makeRepo(1000, 1000, { 'keep.txt': 'still here\n' });
      dirs.push(join(repo, '..'));
      const profile = join(repo, '..', 'e2e-deny-rm.yaml');
      writeFileSync(profile, 'name: e2e-deny-rm\nextends: low-risk\npermissions:\n  deny: [Bash(rm *)]\n');
      const url = await model('bash-denied-rm.json');
      const r = await ccboxRun(repo, url, ['--profile', profile]);
      assertCleanExit(r);
      expect(await readFile(join(repo, 'keep.txt'), 'utf8')).toBe('still here\n');
      const [denied] = toolResults(await requests(url));
      expect(denied).toMatchObject({ toolUseId: 'toolu_scripted_0_0', isError: true });
      // Claude Code's own rule, or the policy hook that enforces the tier's rules first (issue 19).
      expect(denied?.content).toMatch(/denied|ccbox policy \(tier-rule Bash\(rm \*\)\)/i);
      expect(streamEvents(r.stdout).at(-1)).toMatchObject({
        type: 'result',
        permission_denials: [
          expect.objectContaining({ tool_name: 'Bash', tool_use_id: 'toolu_scripted_0_0' }),
        ],
      });
    },
  );
});

describe('the scripted model on its own', () => {
  const post = async (model: ScriptedModel, path: string, body: unknown, key = 'k'): Promise<Response> =>
    fetch(`${model.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': key },
      body: JSON.stringify(body),
    });
  const mainBody = {
    model: 'm',
    max_tokens: 1000,
    tools: [{ name: 'Bash' }],
    messages: [{ role: 'user', content: 'go' }],
  };

  it('answers side requests and token counts without consuming a turn, and JSON when stream is false', async () => {
    const script = parseScript([
      { type: 'tool_use', calls: [{ name: 'Bash', input: { command: 'ls' } }] },
      { type: 'text', text: 'bye' },
    ]);
    await using model = await startScriptedModel({ script });
    const side = await (
      await post(model, '/v1/messages', {
        model: 'haiku',
        max_tokens: 1,
        messages: [{ role: 'user', content: 'quota' }],
      })
    ).json();
    expect(side).toMatchObject({
      type: 'message',
      content: [{ type: 'text', text: 'OK' }],
      stop_reason: 'end_turn',
    });
    expect(await (await post(model, '/v1/messages/count_tokens', mainBody)).json()).toMatchObject({
      input_tokens: expect.any(Number) as number,
    });
    const first = await (await post(model, '/v1/messages', mainBody)).json();
    expect(first).toMatchObject({
      stop_reason: 'tool_use',
      content: [{ type: 'tool_use', name: 'Bash', input: { command: 'ls' } }],
    });
    const streamed = await (await post(model, '/v1/messages', { ...mainBody, stream: true })).text();
    const types = [...streamed.matchAll(/^event: (\w+)$/gm)].map((match) => match[1]);
    expect(types).toEqual([
      'message_start',
      'ping',
      'content_block_start',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(streamed).toContain('"text":"bye"');
    const after = await (await post(model, '/v1/messages', mainBody)).json();
    expect(after).toMatchObject({ content: [{ type: 'text', text: 'Scripted session complete.' }] });
    expect(model.requests.map((request) => request.kind)).toEqual([
      'side',
      'count_tokens',
      'main',
      'main',
      'main',
    ]);
    expect(model.mainRequests()).toBe(3);
  });

  it('refuses a request without the expected key when one is configured', async () => {
    await using model = await startScriptedModel({ script: parseScript([]), apiKey: 'sk-real' });
    expect((await post(model, '/v1/messages', mainBody, 'sk-wrong')).status).toBe(401);
    expect((await post(model, '/v1/messages', mainBody, 'sk-real')).status).toBe(200);
    expect(model.requests.every((request) => request.headers['x-api-key'] === '[redacted]')).toBe(true);
    expect(JSON.stringify(model.requests)).not.toContain('sk-real');
  });

  it(
    'runs standalone from a plain Node with only built-ins and its siblings',
    { timeout: 60_000 },
    async () => {
      const source = join(import.meta.dirname, '../../src/verify/scripted-model');
      const out = await mkdtemp(join(tmpdir(), 'ccbox-scripted-model-'));
      try {
        for (const file of (await readdir(source)).filter((name) => name.endsWith('.ts'))) {
          const { outputText } = ts.transpileModule(await readFile(join(source, file), 'utf8'), {
            compilerOptions: {
              module: ts.ModuleKind.ESNext,
              target: ts.ScriptTarget.ES2023,
              verbatimModuleSyntax: true,
            },
          });
          for (const [, specifier] of outputText.matchAll(/^import .* from '([^']+)';$/gm))
            expect(specifier).toMatch(/^(node:|\.\/)/);
          await writeFile(join(out, file.replace(/\.ts$/, '.js')), outputText);
        }
        await writeFile(join(out, 'package.json'), '{"type":"module"}');
        await writeFile(join(out, 'script.json'), JSON.stringify({ turns: [{ type: 'text', text: 'hi' }] }));
        const child = spawn(process.execPath, [join(out, 'main.js'), join(out, 'script.json'), '0'], {
          env: {},
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
        const { url } = JSON.parse(line) as { url: string };
        const reply = await (
          await fetch(`${url}/v1/messages`, { method: 'POST', body: JSON.stringify(mainBody) })
        ).json();
        expect(reply).toMatchObject({ content: [{ type: 'text', text: 'hi' }] });
        const recorded = (await (await fetch(`${url}/_scripted/requests`)).json()) as { requests: unknown[] };
        expect(recorded.requests).toHaveLength(1);
        child.kill('SIGTERM');
        expect(await once(child, 'exit')).toEqual([0, null]);
      } finally {
        await rm(out, { recursive: true, force: true });
      }
    },
  );
});
