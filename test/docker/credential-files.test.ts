import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { isRoot, makeRepo, runCli } from './cli.js';
import { credentialEvents } from './session-inspect.js';

// Other credentials (issue 20 §2), file delivery: a host value appears in the agent's own tmpfs at
// /run/ccbox/credentials/NAME, disappears at its TTL, and the audit log records both, never the value.

const VALUE = 'ghp_RECOGNISABLE-fake-credential-3c9d1a77';
let repo = '';
let profiles = '';

function profile(name: string, parent: string, secret: string): string {
  const file = path.join(profiles, `${name}.yaml`);
  writeFileSync(file, `name: ${name}\nextends: ${parent}\ncredentials:\n  secrets:\n    demo:\n${secret}`);
  return file;
}

describe.skipIf(!isRoot)('credential files', () => {
  beforeAll(() => {
    repo = makeRepo(1000);
    profiles = mkdtempSync(path.join(os.tmpdir(), 'ccbox-cred-profiles-'));
  });

  it('the file is the agent’s alone, disappears at its TTL, and the audit log has its mint and revocation', async () => {
    const file = profile(
      'cred-files',
      'low-risk',
      '      env: DEMO_CRED\n      deliver: file\n      ttlMinutes: 1\n',
    );
    const dir = '/run/ccbox/credentials';
    const inside = [
      `for i in $(seq 100); do [ -s ${dir}/demo ] && break; sleep 0.1; done`,
      `echo "value $(cat ${dir}/demo)"`,
      `stat -c '%a %u' ${dir} ${dir}/demo`,
      // Past the TTL (4 s, the host's cap below): the host has removed it.
      'sleep 6',
      `[ -e ${dir}/demo ] && echo still-there || echo gone`,
    ].join('; ');
    const r = await runCli(['shell', '--plain', '--profile', file, '--', 'bash', '-c', inside], {
      cwd: repo,
      env: { DEMO_CRED: VALUE, CCBOX_TOKEN_TTL_SECONDS: '4', HOME: os.tmpdir() },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual([`value ${VALUE}`, '700 1000', '600 1000', 'gone']);
    const { log, events } = credentialEvents(r.stderr);
    expect(log).not.toContain(VALUE);
    expect(events.map((e) => [e.rule, e.decision, e.what])).toEqual([
      ['credential:mint', 'allow', 'credential demo'],
      ['credential:revoke', 'record', 'credential demo'],
    ]);
    expect(events[1]?.reason).toBe('removed from the agent at its TTL');
  });

  it('a tier that forbids credential files, or requires TTLs: exit 2, saying why', async () => {
    const refused = (file: string) =>
      runCli(['shell', '--plain', '--profile', file, '--', 'true'], {
        cwd: repo,
        env: { DEMO_CRED: VALUE, HOME: os.tmpdir() },
      });
    const files = await refused(
      profile('cred-reg', 'regulated', '      env: DEMO_CRED\n      deliver: file\n      ttlMinutes: 5\n'),
    );
    expect(files.code, files.stderr).toBe(2);
    expect(files.stderr).toMatch(/credentials\.secrets\.demo\.deliver.*forbids credential files/);
    const ttl = await refused(
      profile('cred-ttl', 'production-adjacent', '      env: DEMO_CRED\n      deliver: file\n'),
    );
    expect(ttl.code, ttl.stderr).toBe(2);
    expect(ttl.stderr).toMatch(/credentials\.secrets\.demo\.ttlMinutes.*requires every credential to expire/);
    expect(files.stderr + ttl.stderr).not.toContain(VALUE);
  });
});
