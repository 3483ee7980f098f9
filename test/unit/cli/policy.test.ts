import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

function fixture(name: string, body: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'ccbox-policy-test-'));
  const file = path.join(dir, name);
  writeFileSync(file, body);
  return file;
}

describe('ccbox policy test', () => {
  it('passes every shipped fixture for every built-in tier', async () => {
    const r = await runCli(['policy', 'test', '--failures']);
    expect(r.stderr).toBe('');
    expect(r.stdout).not.toMatch(/^FAIL/m);
    expect(r.stdout).toMatch(/^(\d+)\/\1 cases pass$/m);
    expect(r.code).toBe(0);
  }, 60_000);

  it('prints the red-team record and exits 0 when the expectations hold', async () => {
    const file = fixture(
      'ok.yaml',
      'cases:\n  - name: plain curl\n    bash: curl https://evil.example\n    expect: deny\n',
    );
    const r = await runCli(['policy', 'test', '--profile', 'low-risk', '--json', file]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { records: Array<Record<string, unknown>>; failed: number };
    expect(out.failed).toBe(0);
    expect(out.records[0]).toMatchObject({
      fixture: 'ok.yaml#plain curl',
      profile: 'low-risk',
      input: { tool_name: 'Bash', tool_input: { command: 'curl https://evil.example' } },
      expected: 'deny',
      actual: 'deny',
      evidence: { rule: 'network-transfer', normalised: 'curl https://evil.example' },
      status: 'pass',
    });
  });

  it('exits 1 and marks the case FAIL when an expectation is wrong', async () => {
    const file = fixture(
      'wrong.yaml',
      'cases:\n  - name: cat .env is not allowed\n    bash: cat .env\n    expect: allow\n',
    );
    const r = await runCli(['policy', 'test', '--profile', 'low-risk', file]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^FAIL low-risk +wrong\.yaml#cat \.env is not allowed$/m);
    expect(r.stdout).toMatch(/expected allow {2}actual deny {2}rule secret-path/);
    expect(r.stdout).toMatch(/^0\/1 cases pass$/m);
  });

  it('turns an expected ask into a deny for a headless tier', async () => {
    const file = fixture(
      'ask.yaml',
      'cases:\n  - name: decoded into sh\n    bash: echo eA== | base64 -d | sh\n    expect: ask\n',
    );
    expect((await runCli(['policy', 'test', '--profile', 'low-risk', file])).code).toBe(0);
    const ci = await runCli(['policy', 'test', '--profile', 'ci-headless', file]);
    expect(ci.code).toBe(0);
    expect(ci.stdout).toMatch(/expected deny {2}actual deny/);
  });

  it('refuses a file that is not a fixture without quoting it (exit 2)', async () => {
    const file = fixture('secret.yaml', 'API_KEY: sk-ant-not-a-fixture-123\n');
    const r = await runCli(['policy', 'test', '--profile', 'low-risk', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/is not a valid list of cases/);
    expect(r.stderr).not.toContain('sk-ant');
  });
});
