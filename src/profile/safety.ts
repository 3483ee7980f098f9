import type { ProfileFile } from './schema.js';
import { error, type RawIssue } from './raw-issue.js';
import { renderFound } from './issues.js';
import { reachesCredentialStore } from '../common/credential-stores.js';
import { checkCidr, checkHostPattern } from './safety-egress.js';
import { checkAllowRule, checkPassEnv } from './safety-rules.js';
import { checkMcpServers } from './safety-mcp.js';
import { checkDelegation } from './safety-delegation.js';

export { checkAllowRule, checkCidr, checkHostPattern, checkPassEnv };

/**
 * Safety checks on one profile layer's own entries (so each problem names the file that wrote it).
 * These reject configurations that are syntactically valid but defeat the tier: allow-everything rules,
 * wildcard egress, credential-store mounts, secret environment pass-through.
 */

const FORBIDDEN_TARGETS = [
  '/',
  '/workspace',
  '/etc',
  '/usr',
  '/bin',
  '/sbin',
  '/lib',
  '/proc',
  '/sys',
  '/dev',
  '/run',
  '/var/run',
  '/opt/ccbox',
  '/tmp',
];

/** Checks one layer's entries. `home` is the host home used to expand `~` in paths. */
export function checkLayerSafety(layer: ProfileFile, home: string): RawIssue[] {
  const issues: RawIssue[] = [];
  (layer.egress?.allow ?? []).forEach((host, i) => {
    if (host.startsWith('!')) return;
    const why = checkHostPattern(host, true);
    if (why)
      issues.push(
        error(['egress', 'allow', i], `egress host ${why}`, {
          found: renderFound(host),
          allowed: 'exact names like api.example.com, or *.example.com',
        }),
      );
  });
  (layer.egress?.deny ?? []).forEach((host, i) => {
    const why = checkHostPattern(host, false);
    if (why)
      issues.push(
        error(['egress', 'deny', i], `egress host ${why}`, {
          found: renderFound(host),
          allowed: 'exact names, or *.example.com',
        }),
      );
  });
  (layer.egress?.allowCidrs ?? []).forEach((cidr, i) => {
    if (cidr.startsWith('!')) return;
    const why = checkCidr(cidr);
    if (why)
      issues.push(
        error(['egress', 'allowCidrs', i], `range ${why}`, {
          found: renderFound(cidr),
          allowed: 'a narrow private range, e.g. 10.20.30.0/24',
        }),
      );
  });
  (layer.permissions?.allow ?? []).forEach((rule, i) => {
    const why = rule.startsWith('!') ? null : checkAllowRule(rule);
    if (why)
      issues.push(
        error(['permissions', 'allow', i], `allow rule ${why}`, {
          found: renderFound(rule),
          allowed: 'narrow rules such as Bash(npm run test *), Bash(git status)',
        }),
      );
  });
  (layer.credentials?.passEnv ?? []).forEach((name, i) => {
    const why = name.startsWith('!') ? null : checkPassEnv(name);
    if (why)
      issues.push(
        error(['credentials', 'passEnv', i], `this name ${why}`, {
          found: renderFound(name),
          allowed: 'non-secret names such as LANG, TZ, TERM',
        }),
      );
  });
  (layer.mounts ?? []).forEach((mount, i) => {
    const store = reachesCredentialStore(mount.source, home);
    if (store)
      issues.push(
        error(['mounts', i, 'source'], `mount reaches the credential store ${store}`, {
          found: renderFound(mount.source),
          allowed: 'paths that neither are, contain nor lie inside a credential store or home directory',
        }),
      );
    const target = mount.target.replace(/\/+$/, '') || '/';
    if (
      FORBIDDEN_TARGETS.some(
        (t) =>
          target === t ||
          (t !== '/' &&
            target.startsWith(`${t}/`) &&
            ['/workspace', '/etc', '/opt/ccbox', '/proc', '/sys', '/dev'].includes(t)),
      )
    ) {
      issues.push(
        error(['mounts', i, 'target'], 'mount target would shadow the worktree or a system directory', {
          found: renderFound(mount.target),
          allowed: 'a new directory such as /mnt/reference',
        }),
      );
    }
  });
  if (layer.tls?.extraCaCerts !== undefined) {
    const store = reachesCredentialStore(layer.tls.extraCaCerts, home);
    if (store)
      issues.push(
        error(
          ['tls', 'extraCaCerts'],
          `CA path reaches the credential store ${store} (it would be baked into the image)`,
          { found: renderFound(layer.tls.extraCaCerts), allowed: 'a PEM bundle outside credential stores' },
        ),
      );
  }
  issues.push(...checkMcpServers(layer));
  (layer.exceptions ?? []).forEach((exc, i) => {
    const kinds = [exc.rule, exc.egressHost, exc.path].filter((k) => k !== undefined).length;
    if (kinds !== 1)
      issues.push(
        error(
          ['exceptions', i],
          'an exception relaxes exactly one thing: set one of rule, egressHost or path',
          {
            allowed:
              'rule: Bash(docker build *)  or  egressHost: registry.example.com  or  path: config/test.env',
          },
        ),
      );
    // A tracked-secret exception names one file, never a pattern: it is read as a literal path.
    if (
      exc.path !== undefined &&
      (/[*?[\]{}]/.test(exc.path) || exc.path.startsWith('/') || exc.path.includes('..'))
    )
      issues.push(
        error(['exceptions', i, 'path'], 'names one tracked file, worktree-relative, with no glob', {
          found: renderFound(exc.path),
          allowed: 'a path such as config/test.env',
        }),
      );
    // Why: an exception is time-boxed and owned, so it may relax a broad rule; but `grant: allow` on a
    // rule that delegates (a shell, an inline-code flag, a wrapper) is `Bash(*)` for that time.
    const spec =
      exc.rule !== undefined && exc.grant === 'allow' ? /^Bash\(([\s\S]*)\)$/.exec(exc.rule)?.[1] : undefined;
    const why = spec !== undefined ? checkDelegation(spec) : null;
    if (why)
      issues.push(
        error(['exceptions', i, 'grant'], `grant: allow on a rule that delegates: ${why}`, {
          found: renderFound(exc.rule),
          allowed: 'grant: ask for such a rule',
        }),
      );
    if (exc.egressHost !== undefined) {
      const why = checkHostPattern(exc.egressHost, true);
      if (why)
        issues.push(
          error(['exceptions', i, 'egressHost'], `egress host ${why}`, {
            found: renderFound(exc.egressHost),
          }),
        );
    }
  });
  return issues;
}
