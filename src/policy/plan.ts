import type { EgressPolicy } from './egress/types.js';
import type { ReadOnlyMountT } from '../profile/schema.js';

/**
 * What a profile compiles to: everything a session enforces. The Docker adapter carries a plan out and
 * decides nothing; the gate and the hooks read their parts of it. Every set-like list is sorted so the
 * plan (and its policy version) does not depend on the order rules were written in.
 */
export interface SessionPlan {
  profile: { name: string; description: string; chain: string[] };
  /** Content hash of everything below; every audit event carries it. */
  policyVersion: string;
  /** Exactly what goes to /etc/claude-code/managed-settings.json. */
  managedSettings: ManagedSettings;
  /** Exactly what goes to /etc/claude-code/managed-mcp.json. */
  managedMcp: ManagedMcp;
  hookPolicy: HookPolicy;
  egress: EgressPolicy;
  container: ContainerPlan;
  credentials: CredentialPlan;
  image: ImagePlan;
  exceptions: { active: ExceptionSummary[]; expired: ExceptionSummary[] };
  /** Where the gate exports audit events and relays Claude Code's telemetry; absent without a collector. */
  audit?: AuditPlan | undefined;
}

/** The audit export (issue 19 §3). Why in the plan: the gate, not the agent, talks to the collector. */
export interface AuditPlan {
  /** The profile's OTLP collector (telemetry.otlpEndpoint), reached by the gate itself. */
  otlpEndpoint: string;
}

/**
 * The gate's OTLP/HTTP relay port: Claude Code's OTEL_EXPORTER_OTLP_ENDPOINT. Why a relay: the agent
 * never reaches the collector; the gate adds the session id the agent cannot forge.
 */
export const OTLP_RELAY_PORT = 4318;

/** The gate's hook endpoint (egress/src/hook-server.ts), on its internal address: the adapter's target. */
export const HOOK_PORT = 3130;

export interface ExceptionSummary {
  id?: string | undefined;
  relaxes: string;
  grant: 'ask' | 'allow' | 'egress' | 'tracked-secret';
  owner: string;
  expires: string;
}

/** The keys of Claude Code's managed settings that ccbox sets (shared/reference/claude-code-controls.md §1.3). */
export interface ManagedSettings {
  permissions: {
    defaultMode: string;
    disableBypassPermissionsMode?: 'disable';
    allow: string[];
    ask: string[];
    deny: string[];
  };
  allowManagedPermissionRulesOnly?: true;
  allowManagedHooksOnly?: true;
  allowManagedMcpServersOnly?: true;
  disableSideloadFlags?: true;
  allowedMcpServers: Array<{ serverUrl: string } | { serverCommand: string[] }>;
  deniedMcpServers: Array<{ serverUrl: string } | { serverCommand: string[] }>;
  strictKnownMarketplaces: Array<Record<string, string>>;
  allowedHttpHookUrls: string[];
  httpHookAllowedEnvVars: string[];
  skipWebFetchPreflight: true;
  /** Absent in subscription mode (source oauth-token): Claude Code then authenticates with its own token. */
  apiKeyHelper?: string;
  /** The policy hook on every tool call and session event (src/policy/compile/hooks.ts). */
  hooks: ManagedHooks;
  env: Record<string, string>;
}

/** Claude Code's `hooks` setting, as ccbox writes it: command hooks only, each with its own timeout. */
export type ManagedHooks = Record<
  string,
  Array<{ matcher?: string; hooks: Array<{ type: 'command'; command: string; timeout: number }> }>
>;

export interface ManagedMcp {
  mcpServers: Record<
    string,
    { type: 'http' | 'sse'; url: string } | { type: 'stdio'; command: string; args: string[] }
  >;
}

/** What the PreToolUse policy hook decides with (hooks issue); baked into the image beside the settings. */
export interface HookPolicy {
  policyVersion: string;
  families: Array<{ name: string; decision: 'allow' | 'ask' | 'deny'; commands: string[]; reason: string }>;
  protectedPaths: string[];
  secretPaths: string[];
  /**
   * The tier's compiled ask and deny permission rules: the engine never answers `allow` for what they
   * ask or deny (and names them as the rule). Optional only for plans compiled before issue 19.
   */
  rules?: { ask: string[]; deny: string[] };
  /** dontAsk tiers: nobody can answer a prompt, so every `ask` is a `deny`. */
  headless?: boolean;
}

export interface ContainerPlan {
  /** Worktree-relative paths and globs mounted read-only inside /workspace. */
  readOnlyPaths: string[];
  /** Worktree-relative globs whose files are masked (the agent sees an empty file or directory). */
  maskedPaths: string[];
  /** A secret path git tracks: refuse to start or warn; `allowed` are paths an active exception allows. */
  trackedSecrets: { policy: 'refuse' | 'warn'; allowed: string[] };
  /** Host environment variable names passed into the agent. */
  passEnv: string[];
  /** Extra read-only mounts. */
  mounts: ReadOnlyMountT[];
  resources: { memoryBytes: number; nanoCpus: number; pidsLimit: number; tmpfsBytes: number };
  /** Fixed hardening, stated in the plan so a reviewer sees it in `profiles show --render container`. */
  hardening: {
    user: 'worktree-owner';
    capDrop: ['ALL'];
    noNewPrivileges: true;
    readOnlyRootfs: true;
    seccomp: 'engine-default';
    network: 'internal-only';
  };
}

export interface CredentialPlan {
  model: {
    source: 'env' | 'file' | 'command' | 'none' | 'oauth-token';
    env?: string | undefined;
    file?: string | undefined;
    command?: string[] | undefined;
    /** Who holds the credential: the gate (an API key), or Claude Code in the agent (a subscription token). */
    holder: 'gate' | 'agent';
  };
  /** Extra credentials from the host, sorted by name (credentials.secrets). */
  secrets?: SecretPlan[];
  ttlMinutes: number;
}

/** One extra credential: where ccbox reads it on the host, how long it lives, where it goes. */
export interface SecretPlan {
  name: string;
  source: 'env' | 'file' | 'command';
  env?: string | undefined;
  file?: string | undefined;
  command?: string[] | undefined;
  /** Undefined: it lives as long as the session. */
  ttlSeconds?: number | undefined;
  /** file: /run/ccbox/credentials/NAME on a tmpfs in the agent (SECRET_FILES_DIR); header: the gate adds it. */
  deliver: 'file' | 'header';
  /** deliver header: the header and its value format (`{value}` is the credential). */
  header?: { name: string; format: string } | undefined;
  /** deliver header: the only origins it is sent to. */
  origins?: string[] | undefined;
}

/**
 * One header credential as the host hands it to the gate (control file): its value, the header it goes
 * in, the origins it may go to, and its expiry (ms since the epoch). Why here: the host writes it and
 * the gate (egress/src/control.ts) reads it, and both may import the policy types.
 */
export interface HeaderCredential {
  name: string;
  value: string;
  header: string;
  format: string;
  origins: string[];
  expiresAt?: number;
}

/** The gate's credential relay (deliver header): the agent sends http://gate:PORT/NAME/HOST[:PORT]/PATH. */
export const CREDENTIAL_RELAY_PORT = 3131;

/** Where file-delivered credentials appear in the agent: a tmpfs of their own, the agent's alone. */
export const SECRET_FILES_DIR = '/run/ccbox/credentials';

export interface ImagePlan {
  base?: string | undefined;
  claudeCodeVersion: string;
  packages: string[];
  /** Absolute host path of the extra CA bundle, if the tier names one. */
  extraCaCerts?: string | undefined;
}
