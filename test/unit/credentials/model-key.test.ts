import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveModelKey } from '../../../src/credentials/model-key.js';
import type { CredentialPlan } from '../../../src/policy/plan.js';
import { CcboxError } from '../../../src/errors.js';

const KEY = 'sk-ant-api03-unit-test-key-0123456789';
const plan = (model: Partial<CredentialPlan['model']>): CredentialPlan => ({
  model: { source: 'env', holder: 'gate', ...model },
  ttlMinutes: 60,
});
const ctx = (extra: Partial<Parameters<typeof resolveModelKey>[1]> = {}) => ({
  hostEnv: { PATH: process.env.PATH },
  home: os.tmpdir(),
  required: true,
  ...extra,
});

async function refusal(p: Promise<unknown>): Promise<CcboxError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CcboxError);
  return err as CcboxError;
}

describe('the model key on the host', () => {
  it('from an environment variable; a missing one is refused for Claude Code and skipped for a shell', async () => {
    expect(await resolveModelKey(plan({ env: 'MY_KEY' }), ctx({ hostEnv: { MY_KEY: KEY } }))).toBe(KEY);
    const err = await refusal(resolveModelKey(plan({ env: 'MY_KEY' }), ctx()));
    expect(err.code).toBe('MODEL_KEY_MISSING');
    expect(err.exitCode).toBe(2);
    expect(await resolveModelKey(plan({ env: 'MY_KEY' }), ctx({ required: false }))).toBeUndefined();
  });

  it('from a file (one line, ~ expanded); not a regular file, missing or not a key: refused without echoing it', async () => {
    const home = mkdtempSync(path.join(os.tmpdir(), 'ccbox-key-'));
    writeFileSync(path.join(home, 'key'), `${KEY}\n`, { mode: 0o600 });
    expect(await resolveModelKey(plan({ source: 'file', file: '~/key' }), ctx({ home }))).toBe(KEY);
    writeFileSync(path.join(home, 'notes'), 'password: hunter2 and other things\nsecond line\n');
    const bad = await refusal(resolveModelKey(plan({ source: 'file', file: '~/notes' }), ctx({ home })));
    expect(bad.code).toBe('MODEL_KEY_UNREADABLE');
    expect(JSON.stringify(bad) + bad.message + (bad.hint ?? '')).not.toContain('hunter2');
    mkdirSync(path.join(home, 'dir'));
    expect(
      (await refusal(resolveModelKey(plan({ source: 'file', file: '~/dir' }), ctx({ home })))).code,
    ).toBe('MODEL_KEY_UNREADABLE');
    expect(
      (await refusal(resolveModelKey(plan({ source: 'file', file: '~/none' }), ctx({ home })))).code,
    ).toBe('MODEL_KEY_MISSING');
  });

  it('from a command (argv, minimal environment): its output, or a refusal naming the command', async () => {
    expect(await resolveModelKey(plan({ source: 'command', command: ['printf', `${KEY}\n`] }), ctx())).toBe(
      KEY,
    );
    const failed = await refusal(resolveModelKey(plan({ source: 'command', command: ['false'] }), ctx()));
    expect(failed.message).toContain('`false` exited 1');
    // The command sees none of ccbox's own secrets.
    const leaked = await refusal(
      resolveModelKey(
        plan({
          source: 'command',
          command: ['sh', '-c', 'test -z "$ANTHROPIC_API_KEY" && exit 3; echo "$ANTHROPIC_API_KEY"'],
        }),
        ctx({ hostEnv: { PATH: process.env.PATH, ANTHROPIC_API_KEY: KEY } }),
      ),
    );
    expect(leaked.message).toContain('exited 3');
  });

  it('none: no key', async () => {
    expect(await resolveModelKey(plan({ source: 'none' }), ctx())).toBeUndefined();
  });
});
