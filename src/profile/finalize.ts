import type { ProfileFile } from './schema.js';
import type { ResolvedException, ResolvedProfile } from './types.js';
import { PROFILE_DEFAULTS } from './defaults.js';
import { error, warning, type RawIssue } from './raw-issue.js';
import { checkSecrets } from './safety-secrets.js';

/** Fills every field no layer set. Pure: the defaults are data in defaults.ts. */
export function applyDefaults(
  merged: ProfileFile,
  chain: string[],
  exceptions: ResolvedException[],
  locked: ResolvedProfile['locked'] = [],
): ResolvedProfile {
  const d = PROFILE_DEFAULTS;
  return {
    name: merged.name,
    description: merged.description ?? '',
    chain,
    isolation: merged.isolation ?? d.isolation,
    permissions: {
      defaultMode: merged.permissions?.defaultMode ?? d.permissions.defaultMode,
      disableBypassPermissionsMode:
        merged.permissions?.disableBypassPermissionsMode ?? d.permissions.disableBypassPermissionsMode,
      deny: merged.permissions?.deny ?? [],
      ask: merged.permissions?.ask ?? [],
      allow: merged.permissions?.allow ?? [],
    },
    locks: {
      allowManagedPermissionRulesOnly:
        merged.locks?.allowManagedPermissionRulesOnly ?? d.locks.allowManagedPermissionRulesOnly,
      allowManagedHooksOnly: merged.locks?.allowManagedHooksOnly ?? d.locks.allowManagedHooksOnly,
      allowManagedMcpServersOnly:
        merged.locks?.allowManagedMcpServersOnly ?? d.locks.allowManagedMcpServersOnly,
      disableSideloadFlags: merged.locks?.disableSideloadFlags ?? d.locks.disableSideloadFlags,
      strictKnownMarketplaces: merged.locks?.strictKnownMarketplaces ?? [],
      allowedHttpHookUrls: merged.locks?.allowedHttpHookUrls ?? [],
      httpHookAllowedEnvVars: merged.locks?.httpHookAllowedEnvVars ?? [],
    },
    mcp: { servers: merged.mcp?.servers ?? {}, denied: merged.mcp?.denied ?? [] },
    paths: {
      secrets: merged.paths?.secrets ?? [],
      protected: merged.paths?.protected ?? [],
      trackedSecrets: merged.paths?.trackedSecrets ?? d.paths.trackedSecrets,
    },
    bash: { families: merged.bash?.families ?? [] },
    egress: {
      mode: merged.egress?.mode ?? d.egress.mode,
      allow: merged.egress?.allow ?? [],
      deny: merged.egress?.deny ?? [],
      ports: merged.egress?.ports ?? [...d.egress.ports],
      allowCidrs: merged.egress?.allowCidrs ?? [],
    },
    resources: { ...d.resources, ...merged.resources },
    credentials: {
      model: merged.credentials?.model ?? { ...d.credentials.model },
      allowOAuthToken: merged.credentials?.allowOAuthToken ?? d.credentials.allowOAuthToken,
      secrets: merged.credentials?.secrets ?? {},
      requireTtl: merged.credentials?.requireTtl ?? d.credentials.requireTtl,
      forbidFileDelivery: merged.credentials?.forbidFileDelivery ?? d.credentials.forbidFileDelivery,
      passEnv: merged.credentials?.passEnv ?? [],
      ttlMinutes: merged.credentials?.ttlMinutes ?? d.credentials.ttlMinutes,
    },
    telemetry: {
      otlpEndpoint: merged.telemetry?.otlpEndpoint,
      protocol: merged.telemetry?.protocol ?? d.telemetry.protocol,
      logToolDetails: merged.telemetry?.logToolDetails ?? d.telemetry.logToolDetails,
      logUserPrompts: merged.telemetry?.logUserPrompts ?? d.telemetry.logUserPrompts,
    },
    hooks: { failure: merged.hooks?.failure ?? d.hooks.failure },
    image: {
      base: merged.image?.base,
      claudeCodeVersion: merged.image?.claudeCodeVersion ?? d.image.claudeCodeVersion,
      packages: merged.image?.packages ?? [],
    },
    tls: { extraCaCerts: merged.tls?.extraCaCerts },
    mounts: merged.mounts ?? [],
    exceptions,
    maxExceptionDays: merged.maxExceptionDays ?? d.maxExceptionDays,
    locked,
  };
}

/** `today` as YYYY-MM-DD in UTC; an exception applies through the whole of its `expires` day. */
export function isExceptionActive(expires: string, today: string): boolean {
  return today <= expires;
}

/**
 * Cross-field checks on the whole resolved profile. Issues are reported against the leaf file because
 * the combination, not one entry, is what is wrong.
 */
export function checkResolved(profile: ResolvedProfile): RawIssue[] {
  const issues: RawIssue[] = [];
  const full = profile.isolation === 'full';
  // Why: bypass on anything but a fully isolated tier lets an injected instruction run without review
  // on a machine that still has a way out (the guide: bypass only inside isolated containers/VMs).
  if (profile.permissions.defaultMode === 'bypassPermissions' && !full) {
    issues.push(
      error(
        ['permissions', 'defaultMode'],
        'bypassPermissions requires a tier that declares full isolation',
        {
          found: 'bypassPermissions',
          allowed: 'default | plan | acceptEdits | dontAsk, or set isolation: full',
        },
      ),
    );
  }
  if (!profile.permissions.disableBypassPermissionsMode && !full) {
    issues.push(
      error(
        ['permissions', 'disableBypassPermissionsMode'],
        'bypass mode may stay enabled only in a tier that declares full isolation',
        { found: 'false', allowed: 'true, or set isolation: full' },
      ),
    );
  }
  if (full && profile.egress.mode !== 'enforce') {
    issues.push(
      error(['egress', 'mode'], 'a fully isolated tier must enforce its egress allowlist', {
        found: profile.egress.mode,
        allowed: 'enforce',
      }),
    );
  }
  if (full && profile.credentials.passEnv.length > 0) {
    issues.push(
      error(['credentials', 'passEnv'], 'a fully isolated tier passes no host environment', {
        found: profile.credentials.passEnv.join(', '),
        allowed: 'an empty list',
      }),
    );
  }
  const model = profile.credentials.model;
  if (model.source === 'file' && !model.file)
    issues.push(
      error(['credentials', 'model', 'file'], 'source file needs the file', {
        allowed: 'e.g. ~/.config/anthropic/key',
      }),
    );
  if (model.source === 'command' && !model.command)
    issues.push(
      error(['credentials', 'model', 'command'], 'source command needs the command', {
        allowed: "e.g. ['op', 'read', 'op://dev/anthropic/key']",
      }),
    );
  // Why refused outside an opted-in tier: the subscription token is a one-year credential that ends
  // up inside the agent, where a hostile agent can read it and use it anywhere.
  if (model.source === 'oauth-token' && !profile.credentials.allowOAuthToken)
    issues.push(
      error(
        ['credentials', 'model', 'source'],
        `oauth-token puts your long-lived Claude subscription token inside the agent, and tier ${profile.chain.join(' > ')} does not allow that (credentials.allowOAuthToken is false; of the built-in tiers only low-risk allows it)`,
        {
          found: 'oauth-token',
          allowed:
            'env, file, command or none (an API key, a gateway, Bedrock or Vertex), or a profile that extends low-risk (and no stricter tier)',
        },
      ),
    );
  if (model.source === 'oauth-token' && model.file)
    issues.push(
      error(['credentials', 'model', 'file'], 'oauth-token reads the host variable or command, not a file', {
        allowed: 'env (default CLAUDE_CODE_OAUTH_TOKEN) or command',
      }),
    );
  issues.push(...checkSecrets(profile));
  if (profile.credentials.model.source === 'env' && !profile.credentials.model.env) {
    issues.push(
      error(['credentials', 'model', 'env'], 'source env needs the variable name', {
        allowed: 'e.g. ANTHROPIC_API_KEY',
      }),
    );
  }
  return issues;
}

/** Exceptions: each must name something the tier actually restricts; expired ones are reported and dropped. */
export function checkExceptions(profile: ResolvedProfile, today: string): RawIssue[] {
  const issues: RawIssue[] = [];
  profile.exceptions.forEach((exc, i) => {
    if (
      exc.rule !== undefined &&
      !profile.permissions.deny.includes(exc.rule) &&
      !profile.permissions.ask.includes(exc.rule)
    ) {
      issues.push(
        error(
          ['exceptions', i, 'rule'],
          `relaxes ${JSON.stringify(exc.rule)}, which is in neither permissions.deny nor permissions.ask`,
          { allowed: 'a rule the tier denies or asks' },
        ),
      );
    }
    if (!exc.active) {
      issues.push(
        warning(
          ['exceptions', i, 'expires'],
          `exception${exc.id ? ` ${exc.id}` : ''} (owner ${exc.owner}) expired on ${exc.expires} and no longer applies`,
          { found: exc.expires, allowed: `a date on or after ${today}` },
        ),
      );
    }
  });
  return issues;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Why a maximum lifetime: an exception that expires in a century is a permanent hole with a date on it.
 * Days count from `today` (the day of validation) to the last day the exception applies.
 */
export function checkLifetime(expires: string, today: string, maxDays: number): RawIssue | null {
  const days = Math.round((Date.parse(expires) - Date.parse(today)) / DAY_MS);
  if (!(days > maxDays)) return null;
  return error(['expires'], `runs ${days} days from today, longer than the maximum exception lifetime`, {
    found: expires,
    allowed: `a date at most ${maxDays} days out (maxExceptionDays)`,
  });
}
