import type { ResolvedProfile } from './types.js';
import { error, type RawIssue } from './raw-issue.js';

/**
 * The tier's rules for `credentials.secrets`: exactly one source each, a TTL where the tier requires
 * one, and no file in the agent where the tier forbids it. Why errors (exit 2): a credential that
 * outlives what the tier allows, or lands where it forbids, must never reach a session.
 */
export function checkSecrets(profile: ResolvedProfile): RawIssue[] {
  const issues: RawIssue[] = [];
  const c = profile.credentials;
  for (const [name, secret] of Object.entries(c.secrets)) {
    const at = ['credentials', 'secrets', name];
    const sources = [secret.env, secret.file, secret.command].filter((s) => s !== undefined).length;
    if (sources !== 1)
      issues.push(
        error(at, `needs exactly one source (env, file or command), not ${sources}`, {
          allowed: "e.g. command: ['gh', 'auth', 'token']",
        }),
      );
    if (secret.deliver === 'header' && (secret.origins ?? []).length === 0)
      issues.push(
        error([...at, 'origins'], 'a header credential needs the origins the gate may send it to', {
          allowed: 'e.g. [https://api.github.com]',
        }),
      );
    if (secret.deliver === 'file' && (secret.origins !== undefined || secret.header !== undefined))
      issues.push(
        error(at, 'header and origins apply to deliver: header only', { allowed: 'deliver: header' }),
      );
    if (c.requireTtl && secret.ttlMinutes === undefined)
      issues.push(
        error(
          [...at, 'ttlMinutes'],
          'this tier requires every credential to expire (credentials.requireTtl)',
          {
            allowed: 'ttlMinutes: 1 to 1440',
          },
        ),
      );
    if (c.forbidFileDelivery && secret.deliver === 'file')
      issues.push(
        error(
          [...at, 'deliver'],
          'this tier forbids credential files in the agent (credentials.forbidFileDelivery)',
          { found: 'file', allowed: 'no file delivery in this tier' },
        ),
      );
  }
  return issues;
}
