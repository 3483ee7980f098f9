import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRoot, runCli } from './cli.js';
import { credentialEvents } from './session-inspect.js';
import { startTestSite, type TestSite } from './site.js';

// Other credentials (issue 20 §2), header delivery: the gate adds the header on its credential relay
// for the named origin only; the stand-in upstream sees the value, the agent never does.

const VALUE = 'ghp_RECOGNISABLE-fake-header-credential-91be0c'; // never spelled inside the agent
const SITE = 'cred-site.test';
// Logs what it received (the test reads the logs); answers without echoing any header.
const SERVER_JS = `
require('http').createServer((req, res) => {
  console.log('got ' + req.url + ' ' + JSON.stringify(req.headers.authorization || null));
  res.end('site-ok ' + req.url + ' auth=' + (req.headers.authorization ? 'present' : 'absent'));
}).listen(80, () => console.log('listening'));`;

let site: TestSite | undefined;
let profileFile = '';

describe.skipIf(!isRoot)('header credentials', () => {
  beforeAll(async () => {
    site = await startTestSite({ name: SITE, script: SERVER_JS, profileName: 'cred-headers-site' });
    profileFile = path.join(path.dirname(site.repo), 'cred-headers.yaml');
    writeFileSync(
      profileFile,
      [
        'name: cred-headers',
        `extends: ${site.profileFile}`,
        'credentials:',
        '  secrets:',
        '    demo:',
        '      env: DEMO_CRED',
        '      deliver: header',
        `      origins: [http://${SITE}]`,
        '      ttlMinutes: 5',
        '',
      ].join('\n'),
    );
  }, 600_000);

  afterAll(() => site?.stop());

  it('reaches the named origin with the header, is refused elsewhere and after its TTL, and never enters the agent', async () => {
    const encoded = Buffer.from(VALUE).toString('base64');
    const code = (p: string) =>
      `curl -s -m 10 -o /dev/null -w '%{http_code}\\n' "$CCBOX_CREDENTIALS_URL${p}"`;
    const inside = [
      `curl -sS -m 10 "$CCBOX_CREDENTIALS_URL/demo/${SITE}/hello?x=1"; echo`,
      code('/demo/other.test/x'),
      code('/nope/' + SITE + '/x'),
      // No trace of the value in any process's environment or argv, nor in the agent's writable places.
      `k=$(echo ${encoded} | base64 -d)`,
      'cat /proc/*/environ /proc/*/cmdline 2>/dev/null | tr "\\0" "\\n" | grep -cFf <(printf "%s\\n" "$k")',
      'grep -rslFf <(printf "%s\\n" "$k") /tmp /home /run /workspace 2>/dev/null | head -3; echo scanned',
      // Until the TTL (15 s, the host's cap below) has run out: then 401.
      `for i in $(seq 60); do c=$(curl -s -m 5 -o /dev/null -w '%{http_code}' "$CCBOX_CREDENTIALS_URL/demo/${SITE}/late"); [ "$c" = 401 ] && break; sleep 0.5; done; echo "late $c"`,
      code(`/demo/${SITE}/after-expiry`),
    ].join('; ');
    const r = await runCli(['shell', '--plain', '--profile', profileFile, '--', 'bash', '-c', inside], {
      cwd: site?.repo ?? '',
      env: { DEMO_CRED: VALUE, CCBOX_TOKEN_TTL_SECONDS: '15', HOME: os.tmpdir() },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual([
      'site-ok /hello?x=1 auth=present',
      '403',
      '404',
      '0',
      'scanned',
      'late 401',
      '401',
    ]);
    expect(await site?.logs()).toContain(`got /hello?x=1 "Bearer ${VALUE}"`);
    expect(await site?.logs()).not.toContain('/after-expiry');
    const { log, events } = credentialEvents(r.stderr);
    expect(log).not.toContain(VALUE);
    const rules = events.map((e) => e.rule);
    expect(rules.slice(0, 4)).toEqual([
      'credential:mint',
      'credential:use',
      'deny:credential-origin',
      'deny:credential-unknown',
    ]);
    expect(rules).toContain('credential:revoke');
    expect(rules.at(-1)).toBe('deny:credential-expired');
  });
});
