import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPlan } from '../../../src/session/plan-cache.js';
import { loadOptions, writeProfiles } from '../profile/helpers.js';

// The plan cache must never hand out a plan for a profile that has changed: a stale plan would be a
// policy the security team did not write.
describe('plan cache', () => {
  const cache = () => mkdtempSync(path.join(os.tmpdir(), 'ccbox-plans-'));

  it('reuses a plan only while every file of the extends chain is byte-for-byte the same', async () => {
    const dir = writeProfiles({
      'parent.yaml': 'name: parent\npermissions:\n  deny: [Bash(make deploy)]\n',
      'child.yaml': 'name: child\nextends: ./parent.yaml\n',
    });
    const opts = loadOptions(dir);
    const cacheDir = cache();
    const first = await loadPlan('child.yaml', opts, cacheDir, '1');
    expect(first.cached).toBe(false);
    const second = await loadPlan('child.yaml', opts, cacheDir, '1');
    expect(second.cached).toBe(true);
    expect(second.plan.policyVersion).toBe(first.plan.policyVersion);

    // A change to the parent (not the file named on the command line) must be seen.
    writeFileSync(
      path.join(dir, 'parent.yaml'),
      'name: parent\npermissions:\n  deny: [Bash(make deploy), Bash(make release)]\n',
    );
    const third = await loadPlan('child.yaml', opts, cacheDir, '1');
    expect(third.cached).toBe(false);
    expect(third.plan.managedSettings.permissions.deny).toContain('Bash(make release)');
    expect(third.plan.policyVersion).not.toBe(first.plan.policyVersion);
  });

  it('does not reuse a plan across days (exceptions expire) or across ccbox versions', async () => {
    const dir = writeProfiles({ 'p.yaml': 'name: p\n' });
    const cacheDir = cache();
    await loadPlan('p.yaml', loadOptions(dir, '2026-11-27'), cacheDir, '1');
    expect((await loadPlan('p.yaml', loadOptions(dir, '2026-11-28'), cacheDir, '1')).cached).toBe(false);
    expect((await loadPlan('p.yaml', loadOptions(dir, '2026-11-28'), cacheDir, '2')).cached).toBe(false);
    expect((await loadPlan('p.yaml', loadOptions(dir, '2026-11-28'), cacheDir, '2')).cached).toBe(true);
  });

  it('never caches an invalid profile', async () => {
    const dir = writeProfiles({ 'bad.yaml': 'name: bad\negress:\n  allow: ["*"]\n' });
    const cacheDir = cache();
    await expect(loadPlan('bad.yaml', loadOptions(dir), cacheDir, '1')).rejects.toThrow(/invalid profile/);
    await expect(loadPlan('bad.yaml', loadOptions(dir), cacheDir, '1')).rejects.toThrow(/invalid profile/);
  });
});
