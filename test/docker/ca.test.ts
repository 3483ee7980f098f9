import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRoot, runCli } from './cli.js';
import { startTestSite, type TestSite } from './site.js';

// The corporate-CA case: a TLS site whose certificate is signed by a private CA (as behind a
// TLS-intercepting proxy). Without the CA the agent's TLS clients refuse it; with --ca-file (or
// CCBOX_EXTRA_CA_CERTS) the CA is in the image's trust store and NODE_EXTRA_CA_CERTS points at it.

const SITE = 'tls.allowed.test';
const SERVER_JS = `
const tls = require('node:https');
tls.createServer({ key: process.env.KEY, cert: process.env.CERT }, (req, res) => res.end('tls-ok ' + req.url)).listen(443);
console.log('listening');`;

let dir = '';
let repo = '';
let profileFile = '';

function makeCa(): { ca: string; key: string; cert: string } {
  const o = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  o(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '2',
    '-subj',
    '/CN=ccbox test corporate CA',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
  );
  o(
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-subj',
    `/CN=${SITE}`,
    '-keyout',
    'site.key',
    '-out',
    'site.csr',
  );
  writeFileSync(path.join(dir, 'ext.cnf'), `subjectAltName=DNS:${SITE}\n`);
  o(
    'x509',
    '-req',
    '-in',
    'site.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-days',
    '2',
    '-extfile',
    'ext.cnf',
    '-out',
    'site.pem',
  );
  const read = (f: string) => readFileSync(path.join(dir, f), 'utf8');
  return { ca: path.join(dir, 'ca.pem'), key: read('site.key'), cert: read('site.pem') };
}

describe.skipIf(!isRoot)('corporate CA', () => {
  let caFile = '';
  let site: TestSite | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'ccbox-ca-'));
    const { ca, key, cert } = makeCa();
    caFile = ca;
    site = await startTestSite({
      name: SITE,
      script: SERVER_JS,
      env: { KEY: key, CERT: cert },
      profileName: 'ca-test',
    });
    ({ repo, profileFile } = site);
  });

  afterAll(() => site?.stop());

  const probe = `curl -sS -m 10 https://${SITE}/curl; echo; node_ok=$(echo "NODE_EXTRA_CA_CERTS=$NODE_EXTRA_CA_CERTS"); echo "$node_ok"`;

  it('without the CA, TLS to the intercepted site fails verification', async () => {
    const r = await runCli(['shell', '--plain', '--profile', profileFile, '--', 'bash', '-c', probe], {
      cwd: repo,
    });
    expect(r.stdout).not.toContain('tls-ok');
    expect(r.stderr).toMatch(/certificate|SSL/i);
    expect(r.stdout).toContain('NODE_EXTRA_CA_CERTS=\n');
  });

  it('with --ca-file, the CA is trusted by the system store and named in NODE_EXTRA_CA_CERTS', async () => {
    const r = await runCli(
      [
        'shell',
        '--plain',
        '--profile',
        profileFile,
        '--ca-file',
        caFile,
        '--',
        'bash',
        '-c',
        probe + '; claude --version >/dev/null && grep -c "BEGIN CERTIFICATE" "$NODE_EXTRA_CA_CERTS"',
      ],
      { cwd: repo },
    );
    expect(r.stdout).toContain('tls-ok /curl');
    expect(r.stdout).toMatch(/NODE_EXTRA_CA_CERTS=\/usr\/local\/share\/ca-certificates\/ccbox\/extra\.crt/);
    expect(r.stdout.trim().split('\n').at(-1)).toBe('1');
  });

  it('CCBOX_EXTRA_CA_CERTS does the same, and a file that is not a CA is refused with exit 2', async () => {
    const ok = await runCli(
      [
        'shell',
        '--plain',
        '--profile',
        profileFile,
        '--',
        'bash',
        '-c',
        `curl -sS -m 10 https://${SITE}/env`,
      ],
      { cwd: repo, env: { CCBOX_EXTRA_CA_CERTS: caFile } },
    );
    expect(ok.stdout).toContain('tls-ok /env');
    const notPem = path.join(dir, 'not-a-ca.txt');
    writeFileSync(notPem, 'hello\n');
    const bad = await runCli(
      ['shell', '--plain', '--profile', profileFile, '--ca-file', notPem, '--', 'true'],
      { cwd: repo },
    );
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/cannot use the CA bundle .*no PEM certificate in it/);
  });
});
