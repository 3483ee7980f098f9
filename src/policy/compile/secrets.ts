import type { ResolvedProfile } from '../../profile/types.js';
import type { SecretPlan } from '../plan.js';
import { sortedSet } from '../../common/canonical.js';

/** `credentials.secrets` for the plan, by name; the source that is set (the profile checks there is one). */
export function secretPlans(profile: ResolvedProfile): SecretPlan[] {
  return Object.entries(profile.credentials.secrets)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([name, s]) => ({
      name,
      source:
        s.env !== undefined
          ? ('env' as const)
          : s.file !== undefined
            ? ('file' as const)
            : ('command' as const),
      env: s.env,
      file: s.file,
      command: s.command,
      ttlSeconds: s.ttlMinutes !== undefined ? s.ttlMinutes * 60 : undefined,
      deliver: s.deliver,
      ...(s.deliver === 'header'
        ? {
            header: { name: s.header?.name ?? 'Authorization', format: s.header?.format ?? 'Bearer {value}' },
            origins: sortedSet(s.origins ?? []),
          }
        : {}),
    }));
}
