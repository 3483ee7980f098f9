import type {
  BashFamilyT,
  ExceptionT,
  MarketplaceSourceT,
  McpDeniedT,
  McpServerT,
  ReadOnlyMountT,
} from './schema.js';
import type { SecretCredentialT } from './schema-credentials.js';

export type PermissionModeT = 'default' | 'plan' | 'acceptEdits' | 'dontAsk' | 'bypassPermissions';

/** An exception with its state on the day the profile was resolved. */
export interface ResolvedException extends ExceptionT {
  /** The file that declared it. */
  file: string;
  active: boolean;
}

/**
 * A profile after `extends` merging and defaults: every field present. This is the compiler's only input,
 * so the compiler never has to know about files, parents or defaults.
 */
export interface ResolvedProfile {
  name: string;
  description: string;
  /** Files (or built-in names) from the root ancestor to this profile. */
  chain: string[];
  isolation: 'standard' | 'full';
  permissions: {
    defaultMode: PermissionModeT;
    disableBypassPermissionsMode: boolean;
    deny: string[];
    ask: string[];
    allow: string[];
  };
  locks: {
    allowManagedPermissionRulesOnly: boolean;
    allowManagedHooksOnly: boolean;
    allowManagedMcpServersOnly: boolean;
    disableSideloadFlags: boolean;
    strictKnownMarketplaces: MarketplaceSourceT[];
    allowedHttpHookUrls: string[];
    httpHookAllowedEnvVars: string[];
  };
  mcp: { servers: Record<string, McpServerT>; denied: McpDeniedT[] };
  paths: { secrets: string[]; protected: string[]; trackedSecrets: 'refuse' | 'warn' };
  bash: { families: BashFamilyT[] };
  egress: {
    mode: 'enforce' | 'report';
    allow: string[];
    deny: string[];
    ports: number[];
    allowCidrs: string[];
  };
  resources: { memory: string; cpus: number; pids: number; tmpSize: string };
  credentials: {
    model: {
      source: 'env' | 'file' | 'command' | 'none' | 'oauth-token';
      env?: string | undefined;
      file?: string | undefined;
      command?: string[] | undefined;
    };
    /** The tier lets Claude Code inside the agent hold the user's subscription token (source oauth-token). */
    allowOAuthToken: boolean;
    /** Extra credentials from the host, by name (schema-credentials.ts SecretCredential). */
    secrets: Record<string, SecretCredentialT>;
    requireTtl: boolean;
    forbidFileDelivery: boolean;
    passEnv: string[];
    ttlMinutes: number;
  };
  telemetry: {
    otlpEndpoint?: string | undefined;
    protocol: 'grpc' | 'http/protobuf' | 'http/json';
    logToolDetails: boolean;
    logUserPrompts: boolean;
  };
  hooks: { failure: 'fail-closed' | 'fail-open' };
  image: { base?: string | undefined; claudeCodeVersion: string; packages: string[] };
  /** Absolute host path (resolved against the file that named it). */
  tls: { extraCaCerts?: string | undefined };
  mounts: ReadOnlyMountT[];
  exceptions: ResolvedException[];
  /** Longest an exception may run, in days. */
  maxExceptionDays: number;
  /** Fields a profile extending this one may not change, and the file that locked each. */
  locked: Array<{ field: string; by: string }>;
}
