import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRoot, makeRepo, runCli, startCli } from './cli.js';
import type { ScriptedModelFixture } from './model.js';
import { expectNotInspectable, startToolThenTextModel } from './session-inspect.js';

// Subscription mode (issue 20 §1): a tier that allows it hands Claude Code the user's own
// CLAUDE_CODE_OAUTH_TOKEN; the relay passes Claude Code's Authorization through and adds nothing.

const TOKEN = 'sk-ant-oat01-RECOGNISABLE-fake-oauth-token-5d2b8e41';
let model: ScriptedModelFixture | undefined;
let repo = '';
let profiles = '';

interface Recorded {
  method: string;
  path: string;
  kind: string;
  headers: Record<string, string>;
}

/** A user profile extending `parent` that asks for subscription mode. */
function profile(name: string, parent: string): string {
  const file = path.join(profiles, `${name}.yaml`);
  writeFileSync(file, `name: ${name}\nextends: ${parent}\ncredentials:\n  model:\n    source: oauth-token\n`);
  return file;
}

describe.skipIf(!isRoot)('subscription mode', () => {
  beforeAll(async () => {
    // The stand-in answers 401 unless the request carries TOKEN (as x-api-key or Authorization: Bearer);
    // the tool call keeps the session up long enough to inspect its containers.
    model = await startToolThenTextModel({
      name: 'ccbox-test-oauth-model',
      apiKey: TOKEN,
      command: 'sleep 4; echo slept',
      text: 'oauth-ok: logged in with the subscription',
    });
    repo = makeRepo(1000);
    profiles = mkdtempSync(path.join(os.tmpdir(), 'ccbox-oauth-profiles-'));
  }, 600_000);

  afterAll(async () => {
    await model?.container.stop();
  });

  const env = (extra: Record<string, string> = {}) => ({
    CLAUDE_CODE_OAUTH_TOKEN: TOKEN,
    CCBOX_MODEL_UPSTREAM: model?.url ?? '',
    HOME: os.tmpdir(),
    ...extra,
  });
  const args = (file: string) => [
    'run',
    '--plain',
    '--profile',
    file,
    '--',
    '-p',
    'wait, then say ok',
    '--output-format',
    'json',
    '--allowedTools',
    'Bash(sleep 4; echo slept)',
  ];

  it('a tier that allows it: Claude Code logs in with the token, which the stand-in sees as the binary sends it, and no container config holds it', async () => {
    const child = startCli(args(profile('oauth-ok', 'low-risk')), { cwd: repo, env: env() });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number>((r) => child.on('close', (code) => r(code ?? -1)));
    await expectNotInspectable(repo, 'agent', TOKEN);
    expect(await exited, stderr).toBe(0);
    expect(JSON.parse(stdout.trim()) as { result: string }).toMatchObject({
      result: 'oauth-ok: logged in with the subscription',
    });
    // The UI says the mode is weaker.
    expect(stderr).toMatch(/subscription mode: your Claude subscription token is inside the agent/);
    const logs = (await model?.logs())?.stderr ?? '';
    expect(logs).not.toMatch(/401/);
    const seen = (await (await fetch(`${model?.url}/_scripted/requests`)).json()) as {
      requests: Recorded[];
    };
    const messages = seen.requests.filter((r) => r.path.startsWith('/v1/messages'));
    expect(messages.length).toBeGreaterThan(1);
    // What the real binary sends with an OAuth token: Authorization (the stand-in checked it equals
    // `Bearer <token>`), an oauth beta, and no x-api-key (the gate added no key of its own).
    for (const r of messages) {
      expect(r.headers.authorization).toBe('[redacted]');
      expect(r.headers['x-api-key']).toBeUndefined();
      expect(r.headers['anthropic-beta']).toMatch(/oauth-\d{4}-\d{2}-\d{2}/);
    }
    console.log(
      'subscription mode, headers of the first /v1/messages request:',
      JSON.stringify(messages[0]?.headers),
    );
  });

  it('a tier that does not allow it: exit 2, saying why, before anything is created', async () => {
    const r = await runCli(args(profile('oauth-strict', 'production-adjacent')), { cwd: repo, env: env() });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/credentials\.model\.source/);
    expect(r.stderr).toMatch(/oauth-token puts your long-lived Claude subscription token inside the agent/);
    expect(r.stderr).toMatch(/credentials\.allowOAuthToken is false/);
    expect(r.stderr).not.toContain(TOKEN);
  });

  it('no token on the host: exit 2 naming the variable', async () => {
    const r = await runCli(args(profile('oauth-none', 'low-risk')), {
      cwd: repo,
      env: { CCBOX_MODEL_UPSTREAM: model?.url ?? '', HOME: os.tmpdir() },
    });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/CLAUDE_CODE_OAUTH_TOKEN is not set/);
  });
});
