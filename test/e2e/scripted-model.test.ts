import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_CLAUDE_CODE_INTEGRITY,
  DEFAULT_CLAUDE_CODE_VERSION,
} from '../../src/image/claude-code-version.js';
import { fetchNpmArtifact } from '../../src/image/npm-artifact.js';
import { CLAUDE_BINARY_IN_TARBALL, platformPackage, supportedArch } from '../../src/image/npm-platform.js';
import { extractFromTarball } from '../../src/image/npm-tar.js';
import { parseScript } from '../../src/verify/scripted-model/script.js';
import { startScriptedModel, type ScriptedModel } from '../../src/verify/scripted-model/server.js';
import { toolResults } from '../../src/verify/scripted-model/tool-results.js';

const run = promisify(execFile);
const fixtures = join(import.meta.dirname, '../fixtures/scripts');
const loadScript = async (name: string) =>
  parseScript(JSON.parse(await readFile(join(fixtures, name), 'utf8')));

/** The pinned Claude Code binary, fetched once into a cache shared by test runs (verified on every hit). */
async function claudeBinary(): Promise<string | undefined> {
  if (process.arch !== 'x64' && process.arch !== 'arm64') return undefined;
  const cacheDir = join(tmpdir(), 'ccbox-test-cache');
  const offline = process.env.CCBOX_OFFLINE === '1';
  const artifact = await fetchNpmArtifact({
    name: platformPackage(process.arch),
    version: DEFAULT_CLAUDE_CODE_VERSION,
    registry: process.env.npm_config_registry ?? 'https://registry.npmjs.org',
    cacheDir,
    integrity: DEFAULT_CLAUDE_CODE_INTEGRITY[supportedArch(process.arch)],
    ...(offline ? { fetch: () => Promise.reject(new Error('offline')) } : {}),
  }).catch((error: unknown) => {
    if (offline) return undefined;
    throw error;
  });
  if (!artifact) return undefined;
  const digest = Buffer.from(artifact.integrity.split('-')[1] ?? '', 'base64')
    .toString('hex')
    .slice(0, 16);
  const binary = join(cacheDir, 'bin', `claude-${DEFAULT_CLAUDE_CODE_VERSION}-${digest}`);
  if (!existsSync(binary)) {
    await mkdir(join(cacheDir, 'bin'), { recursive: true });
    await extractFromTarball(artifact.tarballPath, CLAUDE_BINARY_IN_TARBALL, { destPath: binary });
  }
  return binary;
}

interface ClaudeRun {
  code: number | null;
  events: Array<Record<string, unknown>>;
  stderr: string;
  ms: number;
}

/**
 * Runs Claude Code headless against the scripted model with exactly the environment it needs
 * offline: nothing is inherited from the host (no proxy variables, no keys, no CA bundle).
 */
async function runClaude(
  binary: string,
  model: ScriptedModel,
  cwd: string,
  flags: readonly string[],
): Promise<ClaudeRun> {
  const home = await mkdtemp(join(tmpdir(), 'ccbox-e2e-home-'));
  const env = {
    HOME: home,
    PATH: '/usr/local/bin:/usr/bin:/bin',
    ANTHROPIC_BASE_URL: model.url,
    ANTHROPIC_API_KEY: 'sk-test-dummy',
    // Without it the binary sends HEAD /api/hello and resolves api.anthropic.com on startup.
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    DISABLE_AUTOUPDATER: '1',
  };
  const started = performance.now();
  try {
    const result = await run(
      binary,
      ['-p', 'do it', '--output-format', 'stream-json', '--verbose', ...flags],
      {
        cwd,
        env,
        timeout: 120_000,
        maxBuffer: 64 * 1024 * 1024,
      },
    ).catch((error: { code?: number; stdout?: string; stderr?: string }) => ({
      ...error,
      stdout: error.stdout ?? '',
      stderr: error.stderr ?? '',
    }));
    const events = result.stdout
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const code = 'code' in result && typeof result.code === 'number' ? result.code : 0;
    return { code, events, stderr: result.stderr, ms: performance.now() - started };
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}

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

async function gitRepo(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ccbox-e2e-repo-'));
  await run('git', ['init', '-q', dir]);
  return dir;
}

describe('the real Claude Code against the scripted model', () => {
  let binary: string | undefined;
  const cleanup: string[] = [];
  beforeAll(async () => {
    binary = await claudeBinary();
  }, 600_000);
  afterAll(async () => {
    for (const dir of cleanup) await rm(dir, { recursive: true, force: true });
  });

  it('runs a scripted Bash call and sends its result back', { timeout: 180_000 }, async (ctx) => {
    if (!binary) return ctx.skip();
    await using model = await startScriptedModel({
      script: await loadScript('bash-echo.json'),
      apiKey: 'sk-test-dummy',
    });
    const repo = await gitRepo();
    cleanup.push(repo);
    // acceptEdits lets a shell write inside the working directory; as root, bypass mode is refused.
    const result = await runClaude(binary, model, repo, ['--permission-mode', 'acceptEdits']);
    process.stderr.write(
      `claude -p run took ${Math.round(result.ms)} ms, ${model.requests.length} requests\n`,
    );

    expect(result.code, result.stderr).toBe(0);
    expect(await readFile(join(repo, 'out.txt'), 'utf8')).toBe('scripted-ok\n');
    expect(toolResultEvents(result.events)).toEqual([
      expect.objectContaining({ tool_use_id: 'toolu_scripted_0_0', is_error: false }),
    ]);
    expect(result.events.at(-1)).toMatchObject({
      type: 'result',
      subtype: 'success',
      result: 'Wrote out.txt.',
    });

    expect(toolResults(model.requests)).toEqual([
      {
        toolUseId: 'toolu_scripted_0_0',
        isError: false,
        content: expect.any(String) as string,
        requestIndex: 1,
      },
    ]);
    expect(model.requests.map((request) => [request.kind, request.turn])).toEqual([
      ['main', 0],
      ['main', -1],
    ]);
    expect(model.requests[0]?.headers['x-api-key']).toBe('[redacted]');
  });

  it(
    'records the denial Claude Code reports for a forbidden tool call',
    { timeout: 180_000 },
    async (ctx) => {
      if (!binary) return ctx.skip();
      await using model = await startScriptedModel({ script: await loadScript('bash-denied-rm.json') });
      const repo = await gitRepo();
      cleanup.push(repo);
      await writeFile(join(repo, 'keep.txt'), 'still here\n');
      const result = await runClaude(binary, model, repo, [
        '--permission-mode',
        'acceptEdits',
        '--disallowedTools',
        'Bash(rm *)',
      ]);

      expect(result.code, result.stderr).toBe(0);
      expect(await readFile(join(repo, 'keep.txt'), 'utf8')).toBe('still here\n');
      const [denied] = toolResults(model.requests);
      expect(denied).toMatchObject({ toolUseId: 'toolu_scripted_0_0', isError: true });
      expect(denied?.content).toMatch(/denied/i);
      expect(result.events.at(-1)).toMatchObject({
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
