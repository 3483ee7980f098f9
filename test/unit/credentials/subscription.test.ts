import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveOAuthToken } from '../../../src/credentials/oauth-token.js';
import { CcboxError } from '../../../src/errors.js';
import { compile } from '../../../src/policy/compile/compile.js';
import type { CredentialPlan } from '../../../src/policy/plan.js';
import { validateProfile } from '../../../src/profile/load.js';
import { formatIssue } from '../../../src/profile/issues.js';
import { startRelay, type RelayHandle } from '../../../egress/src/relay.js';
import { subscriptionPass } from '../../../egress/src/oauth-endpoint.js';
import { fixedTokens } from '../egress/fixed-tokens.js';
import { loadOptions, writeProfiles } from '../profile/helpers.js';

// Subscription mode (issue 20 §1): which tiers may ask for it, what the plan then holds, where the
// token comes from, and a relay that passes Claude Code's own Authorization on and adds nothing.

const TOKEN = 'sk-ant-oat01-unit-test-token-0123456789';
const asks = (parent: string) =>
  `name: mine\nextends: ${parent}\ncredentials:\n  model:\n    source: oauth-token\n`;

function validate(parent: string) {
  const dir = writeProfiles({ 'mine.yaml': asks(parent) });
  return validateProfile(path.join(dir, 'mine.yaml'), loadOptions(dir));
}

describe('subscription mode in profiles', () => {
  it('a profile extending low-risk may ask for it; the plan sets no apiKeyHelper and says the agent holds it', () => {
    const result = validate('low-risk');
    expect(result.issues.map(formatIssue)).toEqual([]);
    const plan = compile(result.profile!);
    expect(plan.managedSettings.apiKeyHelper).toBeUndefined();
    expect(plan.credentials.model).toMatchObject({ source: 'oauth-token', holder: 'agent' });
    const normal = compile(validateProfile('low-risk', loadOptions()).profile!);
    expect(normal.managedSettings.apiKeyHelper).toBe('/usr/local/bin/ccbox-model-token');
  });

  it.each(['production-adjacent', 'regulated', 'ci-headless', 'privileged-infra'])(
    'a profile extending %s may not, and the error says why',
    (parent) => {
      const result = validate(parent);
      expect(result.profile).toBeUndefined();
      const text = result.issues.map(formatIssue).join('\n');
      expect(text).toMatch(/credentials\.model\.source/);
      expect(text).toMatch(/long-lived Claude subscription token inside the agent/);
    },
  );

  it('a child cannot grant the permission back once a parent withdrew it', () => {
    const dir = writeProfiles({
      'mine.yaml': `${asks('production-adjacent')}  allowOAuthToken: true\n`,
    });
    const text = validateProfile(path.join(dir, 'mine.yaml'), loadOptions(dir)).issues.map(formatIssue);
    expect(text.join('\n')).toMatch(
      /credentials\.allowOAuthToken.*cannot grant what its parent tier withdrew/,
    );
  });
});

describe('the subscription token on the host', () => {
  const plan = (model: Partial<CredentialPlan['model']>): CredentialPlan => ({
    model: { source: 'oauth-token', holder: 'agent', ...model },
    ttlMinutes: 60,
  });
  const ctx = (hostEnv: Record<string, string | undefined>, required = true) => ({
    hostEnv: { PATH: process.env.PATH, ...hostEnv },
    home: '/nonexistent',
    required,
  });

  it('from CLAUDE_CODE_OAUTH_TOKEN by default, another variable, or a command; missing: exit 2 naming it', async () => {
    expect(await resolveOAuthToken(plan({}), ctx({ CLAUDE_CODE_OAUTH_TOKEN: TOKEN }))).toBe(TOKEN);
    expect(await resolveOAuthToken(plan({ env: 'MY_TOKEN' }), ctx({ MY_TOKEN: TOKEN }))).toBe(TOKEN);
    expect(await resolveOAuthToken(plan({ command: ['printf', `${TOKEN}\n`] }), ctx({}))).toBe(TOKEN);
    const err = (await resolveOAuthToken(plan({}), ctx({})).catch((e: unknown) => e)) as CcboxError;
    expect(err).toBeInstanceOf(CcboxError);
    expect(err.exitCode).toBe(2);
    expect(err.message).toContain('CLAUDE_CODE_OAUTH_TOKEN is not set');
    // A shell session has no Claude Code to hand it to; other modes never read it.
    expect(await resolveOAuthToken(plan({}), ctx({ CLAUDE_CODE_OAUTH_TOKEN: TOKEN }, false))).toBeUndefined();
    expect(
      await resolveOAuthToken(plan({ source: 'env' }), ctx({ CLAUDE_CODE_OAUTH_TOKEN: TOKEN })),
    ).toBeUndefined();
  });
});

describe('the relay in subscription mode', () => {
  let relay: RelayHandle | undefined;
  let upstream: http.Server | undefined;
  afterEach(async () => {
    await relay?.close();
    upstream?.closeAllConnections();
    await new Promise<void>((r) => (upstream ? upstream.close(() => r()) : r()));
  });

  it("hands the token out once, forwards only this session's token as Claude Code sent it, adds no key", async () => {
    const seen: http.IncomingHttpHeaders[] = [];
    upstream = http.createServer((req, res) => {
      seen.push(req.headers);
      req.resume();
      req.on('end', () => res.end('{}'));
    });
    await new Promise<void>((r) => upstream?.listen(0, '127.0.0.1', r));
    relay = await startRelay({
      upstream: new URL(`http://127.0.0.1:${(upstream.address() as AddressInfo).port}`),
      apiKey: undefined,
      tokens: fixedTokens('ccbox-token'),
      subscription: subscriptionPass(TOKEN),
      host: '127.0.0.1',
      port: 0,
      log: () => undefined,
    });
    const url = `http://127.0.0.1:${relay.port}`;
    const first = await fetch(`${url}/ccbox/oauth-token`, { method: 'POST' });
    expect([first.status, await first.text()]).toEqual([200, `${TOKEN}\n`]);
    expect((await fetch(`${url}/ccbox/oauth-token`, { method: 'POST' })).status).toBe(401);
    const send = (authorization: string) =>
      fetch(`${url}/v1/messages`, {
        method: 'POST',
        headers: { authorization, 'anthropic-beta': 'oauth-2025-04-20', 'content-type': 'application/json' },
        body: '{}',
      });
    expect((await send(`Bearer ${TOKEN}`)).status).toBe(200);
    expect((await send('Bearer ccbox-token')).status).toBe(401);
    expect((await send(`Bearer ${TOKEN}x`)).status).toBe(401);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ authorization: `Bearer ${TOKEN}`, 'anthropic-beta': 'oauth-2025-04-20' });
    expect(seen[0]?.['x-api-key']).toBeUndefined();
  });
});
