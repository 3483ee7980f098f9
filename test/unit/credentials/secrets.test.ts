import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compile } from '../../../src/policy/compile/compile.js';
import { resolveSecrets } from '../../../src/credentials/secrets.js';
import { validateProfile } from '../../../src/profile/load.js';
import { formatIssue } from '../../../src/profile/issues.js';
import { CcboxError } from '../../../src/errors.js';
import { loadOptions, writeProfiles } from '../profile/helpers.js';

// credentials.secrets (issue 20 §2): the tier's rules (TTLs required, no files), the plan, the host read.

function check(parent: string, secret: string, extra = '') {
  const dir = writeProfiles({
    'mine.yaml': `name: mine\nextends: ${parent}\ncredentials:\n${extra}  secrets:\n    demo:\n${secret}`,
  });
  return validateProfile(path.join(dir, 'mine.yaml'), loadOptions(dir));
}
const text = (r: ReturnType<typeof check>) => r.issues.map(formatIssue).join('\n');

describe('credentials.secrets in profiles', () => {
  it('compiles to a plan entry with its TTL in seconds; the agent gets a credential tmpfs only then', () => {
    const r = check(
      'low-risk',
      '      command: [gh, auth, token]\n      ttlMinutes: 30\n      deliver: file\n',
    );
    expect(text(r)).toBe('');
    expect(compile(r.profile!).credentials.secrets).toEqual([
      {
        name: 'demo',
        source: 'command',
        command: ['gh', 'auth', 'token'],
        ttlSeconds: 1800,
        deliver: 'file',
      },
    ]);
    expect(compile(validateProfile('low-risk', loadOptions()).profile!).credentials.secrets).toBeUndefined();
  });

  it('exactly one source', () => {
    expect(text(check('low-risk', '      deliver: file\n'))).toMatch(/exactly one source/);
    expect(text(check('low-risk', '      env: A\n      file: ~/a\n      deliver: file\n'))).toMatch(
      /exactly one source/,
    );
  });

  it('production-adjacent (and below) requires a TTL; regulated forbids files; a child cannot undo either', () => {
    expect(text(check('production-adjacent', '      env: A\n      deliver: file\n'))).toMatch(
      /secrets\.demo\.ttlMinutes.*requires every credential to expire/,
    );
    expect(
      text(check('production-adjacent', '      env: A\n      deliver: file\n      ttlMinutes: 5\n')),
    ).toBe('');
    expect(text(check('regulated', '      env: A\n      deliver: file\n      ttlMinutes: 5\n'))).toMatch(
      /secrets\.demo\.deliver.*forbids credential files/,
    );
    expect(
      text(
        check(
          'regulated',
          '      env: A\n      deliver: file\n      ttlMinutes: 5\n',
          '  forbidFileDelivery: false\n',
        ),
      ),
    ).toMatch(/forbidFileDelivery.*cannot turn off/);
  });
});

describe('credentials.secrets on the host', () => {
  const ctx = {
    hostEnv: { PATH: process.env.PATH, A: 'value-of-a-123' },
    home: '/nonexistent',
    required: true,
  };
  it('reads each source; the host cap only shortens a TTL; a missing variable is exit 2', async () => {
    const plan = {
      model: { source: 'none' as const, holder: 'gate' as const },
      ttlMinutes: 60,
      secrets: [
        { name: 'a', source: 'env' as const, env: 'A', ttlSeconds: 60, deliver: 'file' as const },
        {
          name: 'b',
          source: 'command' as const,
          command: ['printf', 'from-command-1'],
          deliver: 'file' as const,
        },
      ],
    };
    const got = await resolveSecrets(plan, ctx, 5);
    expect(got.map((s) => [s.plan.name, s.value, s.ttlSeconds])).toEqual([
      ['a', 'value-of-a-123', 5],
      ['b', 'from-command-1', 5],
    ]);
    expect((await resolveSecrets(plan, ctx)).map((s) => s.ttlSeconds)).toEqual([60, undefined]);
    const err = await resolveSecrets({ ...plan, secrets: [{ ...plan.secrets[0]!, env: 'NOPE' }] }, ctx).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CcboxError);
    expect((err as CcboxError).exitCode).toBe(2);
    expect((err as CcboxError).message).toContain('NOPE is not set');
  });
});
