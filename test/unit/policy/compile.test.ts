import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { compile } from '../../../src/policy/compile/compile.js';
import { loadProfile } from '../../../src/profile/load.js';
import { packageRoot } from '../../../src/paths.js';
import { BUILTINS, loadOptions, writeProfiles } from '../profile/helpers.js';

const goldenDir = path.join(packageRoot(), 'test/fixtures/golden');
/**
 * Why vitest's file snapshots: a missing golden fails in CI (CI=true) instead of being written, and
 * updating goldens is the explicit `npm run test:update` (vitest -u).
 */
async function golden(name: string, value: unknown): Promise<void> {
  await expect(`${JSON.stringify(value, null, 2)}\n`).toMatchFileSnapshot(path.join(goldenDir, name));
}

const plan = (ref: string, cwd?: string, today?: string) =>
  compile(loadProfile(ref, loadOptions(cwd, today)).profile);

describe('compile', () => {
  it.each(BUILTINS)(
    '%s: managed settings, MCP, egress and container match the golden files',
    async (tier) => {
      const p = plan(tier);
      await golden(`${tier}.managed-settings.json`, p.managedSettings);
      await golden(`${tier}.managed-mcp.json`, p.managedMcp);
      await golden(`${tier}.egress.json`, p.egress);
      await golden(`${tier}.container.json`, p.container);
    },
  );

  it('gives every tier its own policy version, and the version is the one in egress and hook policy', () => {
    const versions = BUILTINS.map((t) => plan(t).policyVersion);
    expect(new Set(versions).size).toBe(BUILTINS.length);
    for (const t of BUILTINS) {
      const p = plan(t);
      expect(p.policyVersion).toMatch(/^[0-9a-f]{16}$/);
      expect(p.egress.policyVersion).toBe(p.policyVersion);
      expect(p.hookPolicy.policyVersion).toBe(p.policyVersion);
    }
  });

  it('does not change the policy version when rule order, key order or formatting change', () => {
    const original = readFileSync(path.join(packageRoot(), 'profiles/low-risk.yaml'), 'utf8');
    const data = parse(original) as Record<string, unknown> & {
      permissions: { deny: string[]; allow: string[] };
      egress: { allow: string[] };
    };
    data.permissions.deny.reverse();
    data.permissions.allow.reverse();
    data.egress.allow.reverse();
    const reordered = Object.fromEntries(Object.entries(data).reverse());
    const dir = writeProfiles({ 'shuffled.yaml': stringify(reordered, { indent: 4 }) });
    expect(plan(path.join(dir, 'shuffled.yaml')).policyVersion).toBe(plan('low-risk').policyVersion);
  });

  it('changes the policy version when a rule is added', () => {
    const dir = writeProfiles({
      'child.yaml': 'name: child\nextends: low-risk\npermissions:\n  deny: [Bash(make deploy)]\n',
    });
    expect(plan(path.join(dir, 'child.yaml')).policyVersion).not.toBe(plan('low-risk').policyVersion);
  });

  it('does not change the policy version for a description-only change', () => {
    const dir = writeProfiles({
      'child.yaml': 'name: child\nextends: low-risk\ndescription: only words differ\n',
    });
    expect(plan(path.join(dir, 'child.yaml')).policyVersion).toBe(plan('low-risk').policyVersion);
  });

  it('denies secret globs to Read and Edit, asks for edits of protected paths, and turns deny families into rules', () => {
    const s = plan('low-risk').managedSettings;
    expect(s.permissions.deny).toEqual(
      expect.arrayContaining([
        'Read(./.env)',
        'Edit(./.env)',
        'Read(./secrets/**)',
        'Bash(curl *)',
        'Bash(ssh *)',
      ]),
    );
    expect(s.permissions.ask).toEqual(
      expect.arrayContaining(['Edit(./.github/workflows/**)', 'Edit(./.mcp.json)', 'Bash(git push *)']),
    );
    expect(s.permissions.disableBypassPermissionsMode).toBe('disable');
    expect(s.allowManagedHooksOnly).toBe(true);
    expect(s.allowedMcpServers).toEqual([]);
  });

  it('applies a live exception and drops an expired one', () => {
    const exc = (expires: string) =>
      `name: child\nextends: low-risk\nexceptions:\n  - id: SEC-1\n    rule: Bash(docker *)\n    grant: allow\n    owner: platform-team\n    reason: image builds\n    expires: "${expires}"\n`;
    const live = writeProfiles({ 'child.yaml': exc('2027-01-31') });
    const p = plan(path.join(live, 'child.yaml'));
    expect(p.managedSettings.permissions.allow).toContain('Bash(docker *)');
    expect(p.managedSettings.permissions.ask).not.toContain('Bash(docker *)');
    expect(p.exceptions.active).toHaveLength(1);
    const old = plan(path.join(live, 'child.yaml'), undefined, '2027-02-01');
    expect(old.managedSettings.permissions.ask).toContain('Bash(docker *)');
    expect(old.exceptions.expired).toHaveLength(1);
    expect(old.policyVersion).not.toBe(p.policyVersion);
  });

  it('adds approved remote MCP servers to managed-mcp.json, the URL allowlist and the egress allowlist', () => {
    const dir = writeProfiles({
      'mcp.yaml':
        'name: mcp\nextends: low-risk\nmcp:\n  servers:\n    docs:\n      url: https://mcp.docs.example.com/mcp\n    lint:\n      command: /usr/local/bin/lint-mcp\n      args: [--stdio]\n',
    });
    const p = plan(path.join(dir, 'mcp.yaml'));
    expect(p.managedMcp.mcpServers.docs).toEqual({ type: 'http', url: 'https://mcp.docs.example.com/mcp' });
    expect(p.managedSettings.allowedMcpServers).toEqual([
      { serverCommand: ['/usr/local/bin/lint-mcp', '--stdio'] },
      { serverUrl: 'https://mcp.docs.example.com/mcp' },
    ]);
    expect(p.egress.allowHosts).toContain('mcp.docs.example.com');
  });
});
