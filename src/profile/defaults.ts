import type { ProfileFile } from './schema.js';

import { DEFAULT_CLAUDE_CODE_VERSION } from '../claude-code-version.js';

/**
 * What a profile gets for any field no layer sets. Why these values: every default is the secure
 * choice (locks on, bypass disabled, egress enforced, nothing from the host), so an empty profile is a
 * locked-down profile and a tier has to say so explicitly to relax anything.
 */
export const PROFILE_DEFAULTS = {
  isolation: 'standard',
  permissions: { defaultMode: 'default', disableBypassPermissionsMode: true, deny: [], ask: [], allow: [] },
  locks: {
    allowManagedPermissionRulesOnly: true,
    allowManagedHooksOnly: true,
    allowManagedMcpServersOnly: true,
    disableSideloadFlags: true,
    strictKnownMarketplaces: [],
    allowedHttpHookUrls: [],
    httpHookAllowedEnvVars: [],
  },
  mcp: { servers: {}, denied: [] },
  paths: { secrets: [], protected: [], trackedSecrets: 'warn' },
  bash: { families: [] },
  egress: { mode: 'enforce', allow: [], deny: [], ports: [443, 80], allowCidrs: [] },
  resources: { memory: '4g', cpus: 2, pids: 512, tmpSize: '1g' },
  credentials: {
    model: { source: 'env', env: 'ANTHROPIC_API_KEY' },
    allowOAuthToken: false,
    secrets: {},
    requireTtl: false,
    forbidFileDelivery: false,
    passEnv: [],
    ttlMinutes: 60,
  },
  telemetry: { protocol: 'http/protobuf', logToolDetails: false, logUserPrompts: false },
  // Why fail-closed: the guide's checklist; a tier that prefers availability says so.
  hooks: { failure: 'fail-closed' },
  image: { claudeCodeVersion: DEFAULT_CLAUDE_CODE_VERSION, packages: [] },
  tls: {},
  mounts: [],
  exceptions: [],
  maxExceptionDays: 90,
  locked: [],
} as const satisfies Omit<Required<ProfileFile>, 'name' | 'description' | 'extends'>;
