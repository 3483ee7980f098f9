import type { ResolvedProfile } from '../../profile/types.js';
import type {
  AuditPlan,
  ContainerPlan,
  ExceptionSummary,
  HookPolicy,
  ManagedSettings,
  SessionPlan,
} from '../plan.js';
import { OTLP_RELAY_PORT } from '../plan.js';
import type { EgressPolicy } from '../egress/types.js';
import { parseCidr } from '../../common/address.js';
import { contentHash, sortedSet } from '../../common/canonical.js';
import { compilePermissions, type ActiveRuleException } from './permissions.js';
import { compileMcp } from './mcp.js';
import { parseSize } from './resources.js';
import { secretPlans } from './secrets.js';
import { compileHooks } from './hooks.js';
import { ALWAYS_READ_ONLY } from '../control-paths.js';

/** Gate limits that are not (yet) profile fields. */
export const GATE_DEFAULTS = { maxTunnels: 256, connectTimeoutMs: 10_000, idleTimeoutMs: 300_000 } as const;

export { ALWAYS_READ_ONLY } from '../control-paths.js';

const normHost = (h: string): string => h.toLowerCase().replace(/\.$/, '');

function summarise(profile: ResolvedProfile): {
  active: ExceptionSummary[];
  expired: ExceptionSummary[];
  rules: ActiveRuleException[];
  hosts: string[];
  paths: string[];
} {
  const active: ExceptionSummary[] = [];
  const expired: ExceptionSummary[] = [];
  const rules: ActiveRuleException[] = [];
  const hosts: string[] = [];
  const paths: string[] = [];
  for (const exc of profile.exceptions) {
    const relaxes = exc.rule ?? exc.egressHost ?? exc.path ?? '';
    const grant =
      exc.egressHost !== undefined
        ? 'egress'
        : exc.path !== undefined
          ? 'tracked-secret'
          : (exc.grant ?? 'ask');
    const summary: ExceptionSummary = { id: exc.id, relaxes, grant, owner: exc.owner, expires: exc.expires };
    (exc.active ? active : expired).push(summary);
    if (!exc.active) continue;
    if (exc.rule !== undefined) rules.push({ rule: exc.rule, grant: exc.grant ?? 'ask' });
    if (exc.egressHost !== undefined) hosts.push(normHost(exc.egressHost));
    if (exc.path !== undefined) paths.push(exc.path.replace(/^\.\//, ''));
  }
  return { active, expired, rules, hosts, paths };
}

function telemetryEnv(profile: ResolvedProfile): Record<string, string> {
  // Why: the image pins one Claude Code version; updates, error reports and feature-flag fetches would
  // only be refused by the gate, so switch them off at the source.
  const env: Record<string, string> = {
    DISABLE_AUTOUPDATER: '1',
    DISABLE_ERROR_REPORTING: '1',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
  };
  const t = profile.telemetry;
  if (t.otlpEndpoint !== undefined) {
    Object.assign(env, {
      CLAUDE_CODE_ENABLE_TELEMETRY: '1',
      OTEL_METRICS_EXPORTER: 'otlp',
      OTEL_LOGS_EXPORTER: 'otlp',
      // Why the gate and JSON: the gate's relay adds session.id (which the agent cannot forge) to each
      // request and forwards it to the collector, so it must read what it relays; `gate` is in the
      // agent's hosts file and NO_PROXY.
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://gate:${OTLP_RELAY_PORT}`,
    });
    // Why: content-bearing fields stay off unless the tier turns them on after privacy review.
    if (t.logToolDetails) env.OTEL_LOG_TOOL_DETAILS = '1';
    if (t.logUserPrompts) env.OTEL_LOG_USER_PROMPTS = '1';
  }
  return env;
}

/** The pure compiler: a resolved profile in, everything the session enforces out. */
/** The agent image's token helper (images/agent/ccbox-model-token). */
export const MODEL_TOKEN_HELPER = '/usr/local/bin/ccbox-model-token';

export function compile(profile: ResolvedProfile): SessionPlan {
  const exceptions = summarise(profile);
  const rules = compilePermissions(profile, exceptions.rules);
  const mcp = compileMcp(profile);
  const locks = profile.locks;

  const subscription = profile.credentials.model.source === 'oauth-token';
  const managedSettings: ManagedSettings = {
    permissions: {
      defaultMode: profile.permissions.defaultMode,
      ...(profile.permissions.disableBypassPermissionsMode
        ? { disableBypassPermissionsMode: 'disable' as const }
        : {}),
      ...rules,
    },
    ...(locks.allowManagedPermissionRulesOnly ? { allowManagedPermissionRulesOnly: true as const } : {}),
    ...(locks.allowManagedHooksOnly ? { allowManagedHooksOnly: true as const } : {}),
    ...(locks.allowManagedMcpServersOnly ? { allowManagedMcpServersOnly: true as const } : {}),
    ...(locks.disableSideloadFlags ? { disableSideloadFlags: true as const } : {}),
    allowedMcpServers: mcp.allowed,
    deniedMcpServers: mcp.denied,
    strictKnownMarketplaces: locks.strictKnownMarketplaces.map((m) =>
      Object.fromEntries(Object.entries(m).filter((e): e is [string, string] => typeof e[1] === 'string')),
    ),
    allowedHttpHookUrls: sortedSet(locks.allowedHttpHookUrls),
    httpHookAllowedEnvVars: sortedSet(locks.httpHookAllowedEnvVars),
    // Why: the WebFetch preflight calls api.anthropic.com directly; the gate would refuse it anyway.
    skipWebFetchPreflight: true,
    // Why a helper and not ANTHROPIC_API_KEY: the agent authenticates to the gate's relay with
    // short-lived session tokens the helper gets from the gate (the real key never enters the agent,
    // and no token sits in the environment), and a managed apiKeyHelper also keeps Claude Code from
    // fetching server-managed settings that would replace this file. Why none in subscription mode:
    // the helper outranks CLAUDE_CODE_OAUTH_TOKEN; the relay's non-default ANTHROPIC_BASE_URL still
    // keeps the server-managed settings away (shared/reference/claude-code-controls.md §1).
    ...(subscription ? {} : { apiKeyHelper: MODEL_TOKEN_HELPER }),
    // Why managed: with allowManagedHooksOnly these are the only hooks that run, and the agent cannot
    // edit /etc/claude-code; the adapter asks the gate, which decides with the engine (src/policy/hook).
    hooks: compileHooks(profile.hooks.failure),
    env: telemetryEnv(profile),
  };

  const hookPolicy: Omit<HookPolicy, 'policyVersion'> = {
    families: [...profile.bash.families]
      .map((f) => ({
        name: f.name,
        decision: f.decision,
        commands: sortedSet(f.commands),
        reason: f.reason ?? `${f.name} commands: ${f.decision}`,
      }))
      .sort((a, b) => (a.name < b.name ? -1 : 1)),
    protectedPaths: sortedSet(profile.paths.protected),
    secretPaths: sortedSet(profile.paths.secrets),
    rules: { ask: rules.ask, deny: rules.deny },
    headless: profile.permissions.defaultMode === 'dontAsk',
  };

  const egress: Omit<EgressPolicy, 'policyVersion'> = {
    mode: profile.egress.mode,
    // Why: approved remote MCP servers must be reachable, and only through the gate.
    allowHosts: sortedSet([...profile.egress.allow, ...mcp.remoteHosts, ...exceptions.hosts].map(normHost)),
    denyHosts: sortedSet(profile.egress.deny.map(normHost)),
    ports: sortedSet(profile.egress.ports),
    // Canonical text from the gate's own parser, so the gate enforces exactly what the plan shows.
    allowCidrs: sortedSet(profile.egress.allowCidrs.map((c) => parseCidr(c)?.text ?? c)),
    ...GATE_DEFAULTS,
  };

  const r = profile.resources;
  const container: ContainerPlan = {
    readOnlyPaths: sortedSet([...ALWAYS_READ_ONLY, ...profile.paths.protected]),
    maskedPaths: sortedSet(profile.paths.secrets),
    trackedSecrets: { policy: profile.paths.trackedSecrets, allowed: sortedSet(exceptions.paths) },
    passEnv: sortedSet(profile.credentials.passEnv),
    mounts: [...profile.mounts].sort((a, b) => (a.target < b.target ? -1 : 1)),
    resources: {
      memoryBytes: parseSize(r.memory),
      nanoCpus: Math.round(r.cpus * 1e9),
      pidsLimit: r.pids,
      tmpfsBytes: parseSize(r.tmpSize),
    },
    hardening: {
      user: 'worktree-owner',
      capDrop: ['ALL'],
      noNewPrivileges: true,
      readOnlyRootfs: true,
      seccomp: 'engine-default',
      network: 'internal-only',
    },
  };

  const credentials = {
    model: {
      source: profile.credentials.model.source,
      env: profile.credentials.model.env,
      file: profile.credentials.model.file,
      command: profile.credentials.model.command,
      holder: subscription ? ('agent' as const) : ('gate' as const),
    },
    ttlMinutes: profile.credentials.ttlMinutes,
    // Why optional: plans without extra credentials keep the policy version they had.
    ...(Object.keys(profile.credentials.secrets).length > 0 ? { secrets: secretPlans(profile) } : {}),
  };
  const image = {
    base: profile.image.base,
    claudeCodeVersion: profile.image.claudeCodeVersion,
    packages: sortedSet(profile.image.packages),
    extraCaCerts: profile.tls.extraCaCerts,
  };

  const audit: AuditPlan | undefined =
    profile.telemetry.otlpEndpoint !== undefined
      ? { otlpEndpoint: profile.telemetry.otlpEndpoint }
      : undefined;

  // Why a content hash of the compiled output (not the YAML): formatting, key order, rule order and
  // inheritance layout do not change what is enforced, so they must not change the version.
  // The base image and the CA path are where the image comes from on this host, not policy.
  const policyVersion = contentHash({
    managedSettings,
    managedMcp: mcp.managedMcp,
    hookPolicy,
    egress,
    container,
    credentials,
    image: { claudeCodeVersion: image.claudeCodeVersion, packages: image.packages },
    ...(audit ? { audit } : {}),
  });

  return {
    profile: { name: profile.name, description: profile.description, chain: profile.chain },
    policyVersion,
    managedSettings,
    managedMcp: mcp.managedMcp,
    hookPolicy: { ...hookPolicy, policyVersion },
    egress: { ...egress, policyVersion },
    container,
    credentials,
    image,
    exceptions: { active: exceptions.active, expired: exceptions.expired },
    ...(audit ? { audit } : {}),
  };
}
