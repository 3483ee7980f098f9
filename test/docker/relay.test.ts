import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRoot, makeRepo, outsideNetwork, runCli } from './cli.js';
import { ensureModelImage, startModel, type ScriptedModelFixture } from './model.js';
import { RELAY_ROUTES } from '../../egress/src/relay-routes.js';

// `ccbox run` end to end: the real Claude Code in the agent talks to the gate's model relay, which adds
// the real key and forwards to the model endpoint (a scripted Messages API that answers 401 to any
// other key). The agent itself only ever holds short-lived session tokens.

const REAL_KEY = 'sk-ant-real-key-held-by-the-gate-only';
let model: ScriptedModelFixture | undefined;
let repo = '';

describe.skipIf(!isRoot)('ccbox run and the model relay', () => {
  beforeAll(async () => {
    model = await startModel({
      name: 'ccbox-test-relay-model',
      network: outsideNetwork(),
      image: await ensureModelImage(),
      apiKey: REAL_KEY,
      script: { turns: [{ type: 'text', text: 'relay-ok: hello from the scripted model' }] },
    });
    repo = makeRepo(1000);
  });

  afterAll(async () => {
    await model?.container.stop();
  });

  const env = () => ({
    ANTHROPIC_API_KEY: REAL_KEY,
    CCBOX_MODEL_UPSTREAM: model?.url ?? '',
    HOME: os.tmpdir(),
  });

  it('runs Claude Code through the relay: the model sees the real key, the agent never does', async () => {
    const r = await runCli(['run', '--plain', '--', '-p', 'say hello', '--output-format', 'json'], {
      cwd: repo,
      env: env(),
    });
    expect(r.stderr).toContain('✓ ready');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout.trim()) as { result: string }).toMatchObject({
      result: 'relay-ok: hello from the scripted model',
    });
    // The relay's route list is what the pinned binary calls: everything it asked for is on it.
    const logs = (await model?.logs()) ?? { stderr: '' };
    const calls = [...logs.stderr.matchAll(/scripted-model: #\d+ (\S+) (\S+)/g)].map(([, m, p]) => [
      m,
      (p ?? '').split('?')[0],
    ]);
    expect(calls.length).toBeGreaterThan(0);
    for (const [method, path] of calls)
      expect(RELAY_ROUTES.some((route) => route.method === method && route.path === path)).toBe(true);
  });

  it('keeps the real key out of the agent: environment, files and processes', async () => {
    const r = await runCli(
      [
        'shell',
        '--plain',
        '--',
        'bash',
        '-c',
        'env; cat /proc/*/environ 2>/dev/null | tr "\\0" "\\n"; grep -rs "' +
          REAL_KEY +
          '" / --exclude-dir=proc --exclude-dir=sys -l | head -3; echo scanned',
      ],
      { cwd: repo, env: env() },
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('scanned');
    // No token in the environment either: the apiKeyHelper gets short-lived ones from the gate.
    expect(r.stdout).not.toMatch(/^CCBOX_MODEL_TOKEN=/m);
    expect(r.stdout).toMatch(/^ANTHROPIC_BASE_URL=http:\/\/[\d.]+:3129$/m);
    expect(r.stdout).not.toContain(REAL_KEY);
  });

  it('the relay refuses anything but the session token', async () => {
    const r = await runCli(
      [
        'shell',
        '--plain',
        '--',
        'bash',
        '-c',
        'curl -s -o /dev/null -w "%{http_code}" -H "x-api-key: stolen" "$ANTHROPIC_BASE_URL/v1/models"; echo; curl -s -o /dev/null -w "%{http_code}" -H "x-api-key: $(ccbox-model-token)" "$ANTHROPIC_BASE_URL/v1/models"',
      ],
      { cwd: repo, env: env() },
    );
    expect(r.stdout.trim().split('\n')).toEqual(['401', '200']);
  });
});
