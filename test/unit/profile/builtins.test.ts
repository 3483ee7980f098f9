import { describe, expect, it } from 'vitest';
import { listBuiltinProfiles, validateProfile } from '../../../src/profile/load.js';
import { formatIssue } from '../../../src/profile/issues.js';
import { BUILTINS, loadOptions } from './helpers.js';

describe('built-in tiers', () => {
  it('are the five tiers of the guide', () => {
    expect(listBuiltinProfiles(loadOptions().builtinDir)).toEqual(BUILTINS);
  });

  it.each(BUILTINS)('%s validates with no errors or warnings', (name) => {
    const result = validateProfile(name, loadOptions());
    expect(result.issues.map(formatIssue)).toEqual([]);
    expect(result.profile?.name).toBe(name);
  });

  it('every tier keeps the root tier deny rules (security lists only accumulate)', () => {
    const root = validateProfile('low-risk', loadOptions()).profile;
    for (const name of BUILTINS) {
      const p = validateProfile(name, loadOptions()).profile;
      for (const rule of root?.permissions.deny ?? []) expect(p?.permissions.deny).toContain(rule);
      for (const secret of root?.paths.secrets ?? []) expect(p?.paths.secrets).toContain(secret);
    }
  });

  it('ci-headless is fully isolated, dontAsk, and passes no host environment', () => {
    const p = validateProfile('ci-headless', loadOptions()).profile;
    expect(p?.isolation).toBe('full');
    expect(p?.permissions.defaultMode).toBe('dontAsk');
    expect(p?.credentials.passEnv).toEqual([]);
    expect(p?.chain).toEqual([
      'profiles/low-risk.yaml',
      'profiles/production-adjacent.yaml',
      'profiles/ci-headless.yaml',
    ]);
  });
});
