import type { ResolvedProfile } from '../../profile/types.js';
import { sortedSet } from '../../common/canonical.js';
import { familyRules, protectedRule, secretRules } from '../../common/permission-rules.js';

export interface CompiledRules {
  allow: string[];
  ask: string[];
  deny: string[];
}

/** Active exceptions as data the permission compiler applies. */
export interface ActiveRuleException {
  rule: string;
  grant: 'ask' | 'allow';
}

/**
 * Permission rules as Claude Code reads them. Beyond the profile's own rules:
 * - secret globs become Read and Edit denies (the container masks them too: two boundaries);
 * - protected globs become Edit asks (they are read-only mounts too);
 * - deny and ask Bash families become Bash rules, so the decision holds even before the hook runs.
 * Active exceptions move their rule out of deny/ask into the list they grant.
 */
export function compilePermissions(
  profile: ResolvedProfile,
  exceptions: readonly ActiveRuleException[],
): CompiledRules {
  const deny = new Set(profile.permissions.deny);
  const ask = new Set(profile.permissions.ask);
  const allow = new Set(profile.permissions.allow);
  for (const glob of profile.paths.secrets) for (const rule of secretRules(glob)) deny.add(rule);
  for (const glob of profile.paths.protected) ask.add(protectedRule(glob));
  for (const family of profile.bash.families) {
    if (family.decision === 'allow') continue; // Why: allow families are hook hints; rules stay narrow.
    const target = family.decision === 'deny' ? deny : ask;
    for (const command of family.commands) for (const rule of familyRules(command)) target.add(rule);
  }
  for (const exc of exceptions) {
    deny.delete(exc.rule);
    ask.delete(exc.rule);
    (exc.grant === 'allow' ? allow : ask).add(exc.rule);
  }
  // Why: a rule both denied and asked is denied by Claude Code anyway; keep the lists disjoint for review.
  for (const rule of deny) {
    ask.delete(rule);
    allow.delete(rule);
  }
  for (const rule of ask) allow.delete(rule);
  return { allow: sortedSet(allow), ask: sortedSet(ask), deny: sortedSet(deny) };
}
