import type { ProfileFile } from './schema.js';
import { error, type RawIssue } from './raw-issue.js';
import { renderFound } from './issues.js';
import {
  accumulate,
  loosen,
  mergeFamilies,
  ratchet,
  ratchetOff,
  ratchetTrackedSecrets,
  unionBy,
} from './merge-lists.js';
import { mcpHost } from './safety-mcp.js';

/**
 * `extends` merge rules (documented in profiles/README.md):
 * - Scalars: the child wins, except security switches that may only be turned on (locks,
 *   disableBypassPermissionsMode, credentials.requireTtl/forbidFileDelivery), the one permission that
 *   may only be turned off (credentials.allowOAuthToken) and egress.mode, which cannot go from enforce
 *   to report.
 * - Security lists only accumulate (deny, ask, secrets, protected, egress.deny, mcp.denied): the child's
 *   entries are added; a `!entry` removal is an error, and so is re-declaring a parent's deny as ask/allow.
 * - Loosening lists (allow, egress.allow, allowCidrs, passEnv, hook URL lists): the child's entries are
 *   added and `!entry` removes an inherited one (removal only tightens).
 * - mcp.servers merge by name (child wins); bash.families merge by name: commands accumulate and the
 *   decision can only become stricter.
 * Why so strict: a tier written by a security team must not be quietly undone by a profile that extends it.
 * The sanctioned way to relax a rule is an `exceptions:` entry with an owner and an expiry.
 */
export interface MergeResult {
  merged: ProfileFile;
  issues: RawIssue[];
}

/** Rules the child re-declares in a weaker list than the parent put them in. */
function checkReclassified(parent: ProfileFile, child: ProfileFile, issues: RawIssue[]): void {
  const parentDeny = parent.permissions?.deny ?? [];
  const parentAsk = parent.permissions?.ask ?? [];
  const check = (list: 'allow' | 'ask', stricter: readonly string[], stricterName: string): void => {
    (child.permissions?.[list] ?? []).forEach((rule, i) => {
      if (stricter.includes(rule)) {
        issues.push(
          error(
            ['permissions', list, i],
            `moves the parent's ${stricterName} rule ${JSON.stringify(rule)} to ${list}`,
            {
              found: renderFound(rule),
              allowed: 'relax it with an exceptions: entry (owner, reason, expires)',
            },
          ),
        );
      }
    });
  };
  check('allow', [...parentDeny, ...parentAsk], 'deny/ask');
  check('ask', parentDeny, 'deny');
  const deniedHosts = (parent.egress?.deny ?? []).map((d) => d.toLowerCase());
  const denied = (host: string): boolean =>
    deniedHosts.some((d) => d === host || (d.startsWith('*.') && host.endsWith(d.slice(1))));
  // Why: an approved MCP server's host joins the allowlist, so it meets the same parent denies.
  for (const [name, server] of Object.entries(child.mcp?.servers ?? {})) {
    const host = 'url' in server ? mcpHost(server.url) : null;
    if (host !== null && denied(host))
      issues.push(
        error(['mcp', 'servers', name, 'url'], "the server's host is one the parent denies in egress.deny", {
          found: renderFound(host),
          allowed: 'a host the parent does not deny',
        }),
      );
  }
  (child.egress?.allow ?? []).forEach((host, i) => {
    if ((parent.egress?.deny ?? []).includes(host)) {
      issues.push(
        error(['egress', 'allow', i], `allows ${JSON.stringify(host)}, which the parent denies`, {
          found: renderFound(host),
          allowed: 'hosts the parent does not deny',
        }),
      );
    }
  });
}

/** The exception lifetime: a child may shorten it, never lengthen it. */
function lowerOnly(
  parent: number | undefined,
  child: number | undefined,
  issues: RawIssue[],
): number | undefined {
  if (parent !== undefined && child !== undefined && child > parent) {
    issues.push(
      error(['maxExceptionDays'], 'a child cannot lengthen the maximum exception lifetime', {
        found: String(child),
        allowed: `at most ${parent}`,
      }),
    );
    return parent;
  }
  return child ?? parent;
}

/** Merges one child layer over the accumulated parent chain. */
export function mergeLayer(parent: ProfileFile | undefined, child: ProfileFile): MergeResult {
  const issues: RawIssue[] = [];
  if (!parent) {
    // The root layer: a `!` removal has nothing to remove.
    const root: ProfileFile = { name: 'root' };
    return mergeLayer(root, child);
  }
  checkReclassified(parent, child, issues);
  const p = parent;
  const c = child;

  if (p.egress?.mode === 'enforce' && c.egress?.mode === 'report') {
    issues.push(
      error(['egress', 'mode'], 'a child cannot switch the gate from enforce to report', {
        found: 'report',
        allowed: 'enforce',
      }),
    );
  }

  const merged: ProfileFile = {
    name: c.name,
    description: c.description ?? p.description,
    isolation: c.isolation ?? p.isolation,
    permissions: {
      defaultMode: c.permissions?.defaultMode ?? p.permissions?.defaultMode,
      disableBypassPermissionsMode: ratchet(
        p.permissions?.disableBypassPermissionsMode,
        c.permissions?.disableBypassPermissionsMode,
        ['permissions', 'disableBypassPermissionsMode'],
        issues,
      ),
      deny: accumulate(
        p.permissions?.deny,
        c.permissions?.deny,
        ['permissions', 'deny'],
        'deny rules',
        issues,
      ),
      ask: accumulate(p.permissions?.ask, c.permissions?.ask, ['permissions', 'ask'], 'ask rules', issues),
      allow: loosen(p.permissions?.allow, c.permissions?.allow, ['permissions', 'allow'], issues),
    },
    locks: {
      allowManagedPermissionRulesOnly: ratchet(
        p.locks?.allowManagedPermissionRulesOnly,
        c.locks?.allowManagedPermissionRulesOnly,
        ['locks', 'allowManagedPermissionRulesOnly'],
        issues,
      ),
      allowManagedHooksOnly: ratchet(
        p.locks?.allowManagedHooksOnly,
        c.locks?.allowManagedHooksOnly,
        ['locks', 'allowManagedHooksOnly'],
        issues,
      ),
      allowManagedMcpServersOnly: ratchet(
        p.locks?.allowManagedMcpServersOnly,
        c.locks?.allowManagedMcpServersOnly,
        ['locks', 'allowManagedMcpServersOnly'],
        issues,
      ),
      disableSideloadFlags: ratchet(
        p.locks?.disableSideloadFlags,
        c.locks?.disableSideloadFlags,
        ['locks', 'disableSideloadFlags'],
        issues,
      ),
      strictKnownMarketplaces: unionBy(
        p.locks?.strictKnownMarketplaces,
        c.locks?.strictKnownMarketplaces,
        (m) => JSON.stringify(m),
      ),
      allowedHttpHookUrls: loosen(
        p.locks?.allowedHttpHookUrls,
        c.locks?.allowedHttpHookUrls,
        ['locks', 'allowedHttpHookUrls'],
        issues,
      ),
      httpHookAllowedEnvVars: loosen(
        p.locks?.httpHookAllowedEnvVars,
        c.locks?.httpHookAllowedEnvVars,
        ['locks', 'httpHookAllowedEnvVars'],
        issues,
      ),
    },
    mcp: {
      servers: c.mcp?.servers || p.mcp?.servers ? { ...p.mcp?.servers, ...c.mcp?.servers } : undefined,
      denied: unionBy(p.mcp?.denied, c.mcp?.denied, (d) => JSON.stringify(d)),
    },
    paths: {
      secrets: accumulate(p.paths?.secrets, c.paths?.secrets, ['paths', 'secrets'], 'secret paths', issues),
      protected: accumulate(
        p.paths?.protected,
        c.paths?.protected,
        ['paths', 'protected'],
        'protected paths',
        issues,
      ),
      trackedSecrets: ratchetTrackedSecrets(p.paths?.trackedSecrets, c.paths?.trackedSecrets, issues),
    },
    bash: { families: mergeFamilies(p.bash?.families, c.bash?.families, issues) },
    egress: {
      mode:
        c.egress?.mode === 'report' && p.egress?.mode === 'enforce'
          ? 'enforce'
          : (c.egress?.mode ?? p.egress?.mode),
      allow: loosen(p.egress?.allow, c.egress?.allow, ['egress', 'allow'], issues),
      deny: accumulate(p.egress?.deny, c.egress?.deny, ['egress', 'deny'], 'denied hosts', issues),
      // Ports are a set the child restates in full (numbers cannot carry a `!`); `profiles diff` marks an added port.
      ports: c.egress?.ports ?? p.egress?.ports,
      allowCidrs: loosen(p.egress?.allowCidrs, c.egress?.allowCidrs, ['egress', 'allowCidrs'], issues),
    },
    resources: { ...p.resources, ...c.resources },
    credentials: {
      model: c.credentials?.model ?? p.credentials?.model,
      allowOAuthToken: ratchetOff(
        p.credentials?.allowOAuthToken,
        c.credentials?.allowOAuthToken,
        ['credentials', 'allowOAuthToken'],
        issues,
      ),
      secrets:
        c.credentials?.secrets || p.credentials?.secrets
          ? { ...p.credentials?.secrets, ...c.credentials?.secrets }
          : undefined,
      requireTtl: ratchet(
        p.credentials?.requireTtl,
        c.credentials?.requireTtl,
        ['credentials', 'requireTtl'],
        issues,
      ),
      forbidFileDelivery: ratchet(
        p.credentials?.forbidFileDelivery,
        c.credentials?.forbidFileDelivery,
        ['credentials', 'forbidFileDelivery'],
        issues,
      ),
      passEnv: loosen(p.credentials?.passEnv, c.credentials?.passEnv, ['credentials', 'passEnv'], issues),
      ttlMinutes: c.credentials?.ttlMinutes ?? p.credentials?.ttlMinutes,
    },
    telemetry: { ...p.telemetry, ...c.telemetry },
    hooks: { ...p.hooks, ...c.hooks },
    image: {
      base: c.image?.base ?? p.image?.base,
      claudeCodeVersion: c.image?.claudeCodeVersion ?? p.image?.claudeCodeVersion,
      packages: unionBy(p.image?.packages, c.image?.packages, String),
    },
    tls: { ...p.tls, ...c.tls },
    mounts: unionBy(p.mounts, c.mounts, (m) => m.target),
    exceptions: [...(p.exceptions ?? []), ...(c.exceptions ?? [])],
    maxExceptionDays: lowerOnly(p.maxExceptionDays, c.maxExceptionDays, issues),
    locked: accumulate(p.locked, c.locked, ['locked'], 'locked fields', issues),
  };
  return { merged, issues };
}
