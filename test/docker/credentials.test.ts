import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRoot, makeRepo, runCli, startCli } from './cli.js';
import type { ScriptedModelFixture } from './model.js';
import { engineJson, expectNotInspectable, startToolThenTextModel } from './session-inspect.js';

// Credentials (issue 20): the real key reaches the gate after it starts and nowhere else; the agent
// authenticates with tokens the gate mints, which die at their TTL and with the session.

const REAL_KEY = 'sk-ant-api03-RECOGNISABLE-fake-key-7f3a9c1e';
let model: ScriptedModelFixture | undefined;
let repo = '';

describe.skipIf(!isRoot)('credentials', () => {
  beforeAll(async () => {
    // A tool call that outlives the token (TTL 3 s below): the next model request needs a new one.
    model = await startToolThenTextModel({
      name: 'ccbox-test-cred-model',
      apiKey: REAL_KEY,
      command: 'sleep 5; echo slept',
      text: 'cred-ok: streamed through the relay',
    });
    repo = makeRepo(1000);
  }, 600_000);

  afterAll(async () => {
    await model?.container.stop();
  });

  const env = (extra: Record<string, string> = {}) => ({
    ANTHROPIC_API_KEY: REAL_KEY,
    CCBOX_MODEL_UPSTREAM: model?.url ?? '',
    HOME: os.tmpdir(),
    ...extra,
  });

  it('a Claude Code session longer than its token TTL keeps working, streamed, with the real key added by the gate', async () => {
    const r = await runCli(
      [
        'run',
        '--plain',
        '--',
        '-p',
        'wait, then say ok',
        '--output-format',
        'json',
        '--allowedTools',
        'Bash(sleep 5; echo slept)',
      ],
      {
        cwd: repo,
        env: env({ CCBOX_TOKEN_TTL_SECONDS: '3' }),
      },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout.trim()) as { result: string }).toMatchObject({
      result: 'cred-ok: streamed through the relay',
    });
    // The stand-in answers 401 to any other key, and it saw streaming requests after the sleep.
    const logs = (await model?.logs())?.stderr ?? '';
    expect(logs).toMatch(/scripted-model: #\d+ POST \/v1\/messages/);
    expect(logs).not.toMatch(/401/);
  });

  it('no trace of the real key: agent environments, processes, files and tmpfs, image history, inspect of agent and gate', async () => {
    // The key is never spelled in the command (the container's Cmd is in docker inspect) nor in any
    // process's argv (grep reads it from a pipe): decoded inside, by builtins.
    const encoded = Buffer.from(REAL_KEY).toString('base64');
    const scan =
      `k=$(echo ${encoded} | base64 -d); ` +
      'cat /proc/*/environ /proc/*/cmdline 2>/dev/null | tr "\\0" "\\n" | grep -cFf <(printf "%s\\n" "$k"); ' +
      'grep -rslFf <(printf "%s\\n" "$k") / --exclude-dir=proc --exclude-dir=sys | head -3; echo scanned; env | grep -c "^CCBOX_MODEL_TOKEN=" ; sleep 4';
    const child = startCli(['shell', '--plain', '--', 'bash', '-c', scan], { cwd: repo, env: env() });
    let out = '';
    child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
    const exited = new Promise<number>((r) => child.on('exit', (code) => r(code ?? -1)));
    try {
      const containers = await expectNotInspectable(repo, 'shell', REAL_KEY);
      const gate = containers.find((c) => c.Labels['dev.ccbox.role'] === 'gate');
      const gateInspect = await engineJson(`/containers/${gate?.Id}/json`);
      // The control file was read and removed: the key exists only in the gate process's memory.
      expect(gateInspect).not.toContain('CCBOX_MODEL_API_KEY');
    } finally {
      expect(await exited).toBe(0);
    }
    expect(out).toContain('scanned');
    expect(out.trim().split('\n')).toEqual(['0', 'scanned', '0']);
  });

  it('tokens: minted once, renewed by the helper, refused after their TTL, after the session, and when stolen', async () => {
    const inside = [
      'code() { curl -s -o /dev/null -w "%{http_code}" -H "x-api-key: $1" "$ANTHROPIC_BASE_URL/v1/models"; echo; }',
      't1=$(ccbox-model-token)',
      'code "$t1"',
      'code stolen',
      // A second bootstrap (anyone but the helper, which already holds the renewal secret) is refused.
      'curl -s -o /dev/null -w "%{http_code}\\n" -X POST "$ANTHROPIC_BASE_URL/ccbox/token"',
      'sleep 4',
      'code "$t1"',
      't2=$(ccbox-model-token)',
      'code "$t2"',
      'echo "TOKEN $t2"',
    ].join('; ');
    const first = await runCli(['shell', '--plain', '--', 'bash', '-c', inside], {
      cwd: repo,
      env: env({ CCBOX_TOKEN_TTL_SECONDS: '3' }),
    });
    expect(first.code, first.stderr).toBe(0);
    const lines = first.stdout.trim().split('\n');
    expect(lines.slice(0, 6)).toEqual([
      '200',
      '401',
      '401',
      '401',
      '200',
      expect.stringMatching(/^TOKEN ccbox-/),
    ]);
    const old = lines[5]?.slice('TOKEN '.length) ?? '';
    // The session is over: its last token opens nothing at the next session's gate.
    const next = await runCli(
      [
        'shell',
        '--plain',
        '--',
        'bash',
        '-c',
        `curl -s -o /dev/null -w "%{http_code}" -H "x-api-key: ${old}" "$ANTHROPIC_BASE_URL/v1/models"`,
      ],
      { cwd: repo, env: env() },
    );
    expect(next.stdout.trim()).toBe('401');
  });
});
