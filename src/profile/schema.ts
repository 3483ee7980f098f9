import { z } from 'zod';

/**
 * The profile file format (profiles/*.yaml). Every section is optional in a file because a profile may
 * `extends` another; `resolve.ts` merges the chain and `defaults.ts` fills what no layer set.
 * Unknown keys are errors (strictObject), never warnings: a typo in a security policy must not be
 * silently ignored.
 */

import type { MarketplaceSource, McpDenied, McpServer } from './schema-claude.js';
import { LocksSection, McpSection, PermissionRule, PermissionsSection } from './schema-claude.js';
import { PlainUrl } from './schema-url.js';
import { CredentialsSection } from './schema-credentials.js';

export {
  LocksSection,
  MarketplaceSource,
  McpDenied,
  McpSection,
  McpServer,
  PermissionMode,
  PermissionRule,
  PermissionsSection,
} from './schema-claude.js';
export const PathsSection = z
  .strictObject({
    secrets: z
      .array(z.string().min(1))
      .optional()
      .describe(
        'Worktree-relative globs of secret files: masked in the container and denied to Read/Edit. Accumulate.',
      ),
    protected: z
      .array(z.string().min(1))
      .optional()
      .describe(
        'Worktree-relative globs of control-plane paths: read-only in the container and guarded by hooks. Accumulate.',
      ),
    trackedSecrets: z
      .enum(['refuse', 'warn'])
      .optional()
      .describe(
        'What a session does when git tracks a secret path (its content is in the history the agent can read): refuse to start, or warn. A child cannot turn refuse into warn; an exception with a `path` allows one path.',
      ),
  })
  .describe('Secret and protected paths inside the worktree.');

export const BashDecision = z
  .enum(['allow', 'ask', 'deny'])
  .describe('What the policy hook decides for the family.');

export const BashFamily = z
  .strictObject({
    name: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]*$/)
      .describe('Family name, e.g. `network-transfer`.'),
    decision: BashDecision,
    commands: z
      .array(z.string().min(1))
      .min(1)
      .describe('Command prefixes after normalisation, e.g. `curl`, `git push`, `terraform apply`.'),
    reason: z.string().optional().describe('One line shown to the agent and recorded in the audit event.'),
  })
  .describe('A family of Bash commands and the decision the policy hook makes for it.');

export const BashSection = z
  .strictObject({
    families: z
      .array(BashFamily)
      .optional()
      .describe(
        'Command families. Merged by name; a child can add commands or make a decision stricter, never weaker.',
      ),
  })
  .describe('Bash command policy for the PreToolUse hook.');

export const EgressSection = z
  .strictObject({
    mode: z
      .enum(['enforce', 'report'])
      .optional()
      .describe(
        'enforce refuses what is not allowed; report logs it and lets it through (rollout only). A child cannot go from enforce to report.',
      ),
    allow: z
      .array(z.string().min(1))
      .optional()
      .describe(
        'Allowed hosts: exact names, or `*.example.com` for subdomains only. `*` and whole TLDs are rejected.',
      ),
    deny: z.array(z.string().min(1)).optional().describe('Denied hosts; beat allows. Accumulate.'),
    ports: z
      .array(z.number().int().min(1).max(65535))
      .optional()
      .describe('Allowed destination ports (443 and 80 by default).'),
    allowCidrs: z
      .array(z.string().min(1))
      .optional()
      .describe('Private, loopback or link-local ranges the gate may reach anyway. Empty by default.'),
  })
  .describe('The gate: the session’s only way out.');

export const ResourcesSection = z
  .strictObject({
    memory: z
      .string()
      .regex(/^\d+(?:\.\d+)?[kmg]?$/i)
      .optional()
      .describe('Memory limit of the agent container, e.g. `4g`, `512m`.'),
    cpus: z.number().positive().max(256).optional().describe('CPU limit of the agent container.'),
    pids: z.number().int().min(16).max(65536).optional().describe('Process limit of the agent container.'),
    tmpSize: z
      .string()
      .regex(/^\d+[kmg]$/i)
      .optional()
      .describe('Size of the /tmp and home tmpfs mounts, e.g. `1g`.'),
  })
  .describe('Resource limits.');

export const TelemetrySection = z
  .strictObject({
    otlpEndpoint: PlainUrl.optional().describe(
      'OTLP collector the session exports to (no user:password@: collector credentials go through credentials:).',
    ),
    protocol: z.enum(['grpc', 'http/protobuf', 'http/json']).optional().describe('OTLP protocol.'),
    logToolDetails: z
      .boolean()
      .optional()
      .describe('Include tool parameters in telemetry. Off by default (privacy review first).'),
    logUserPrompts: z.boolean().optional().describe('Include prompt text in telemetry. Off by default.'),
  })
  .describe('OpenTelemetry export.');

export const HooksSection = z
  .strictObject({
    failure: z
      .enum(['fail-closed', 'fail-open'])
      .optional()
      .describe(
        'What a tool call does when the policy hook cannot get a decision from the gate (gate down, timeout, bad answer): `fail-closed` (the default) blocks it with the reason, `fail-open` lets it proceed with a warning.',
      ),
  })
  .describe('The policy hook ccbox registers for every tool call.');

export const ImageSection = z
  .strictObject({
    base: z.string().min(1).optional().describe('Local base image for the agent and gate images.'),
    claudeCodeVersion: z
      .string()
      .regex(/^\d+\.\d+\.\d+$/, {
        message: 'must be an exact version like 2.1.332 (never latest or a range)',
      })
      .optional()
      .describe('Exact Claude Code version baked into the image.'),
    packages: z
      .array(z.string().regex(/^[a-z0-9][a-z0-9+.-]*$/))
      .optional()
      .describe('Extra Debian packages for the agent image.'),
  })
  .describe('The agent image.');

export const TlsSection = z
  .strictObject({
    extraCaCerts: z
      .string()
      .min(1)
      .optional()
      .describe('Host path of a PEM bundle added to the image trust store and NODE_EXTRA_CA_CERTS.'),
  })
  .describe('Corporate CA support.');

export const ReadOnlyMount = z
  .strictObject({
    source: z.string().min(1).describe('Host path. Must not reach a credential store.'),
    target: z.string().startsWith('/').describe('Absolute path in the container, outside /workspace.'),
  })
  .describe(
    'An extra read-only bind mount (reference material, caches). The worktree stays the only writable mount.',
  );

export const ExceptionEntry = z
  .strictObject({
    id: z.string().min(1).optional().describe('Ticket or tracking id.'),
    rule: PermissionRule.optional().describe('An inherited deny or ask rule this exception relaxes.'),
    egressHost: z.string().min(1).optional().describe('A host this exception adds to the egress allowlist.'),
    path: z
      .string()
      .min(1)
      .optional()
      .describe(
        'A secret path git tracks that a session may start with anyway (paths.trackedSecrets: refuse).',
      ),
    grant: z
      .enum(['ask', 'allow'])
      .optional()
      .describe('What a relaxed rule becomes while the exception is live (ask by default).'),
    owner: z.string().min(1).describe('Who answers for the exception (required).'),
    reason: z.string().min(1).describe('Why it exists (required).'),
    expires: z.iso
      .date()
      .describe('Last day it applies, YYYY-MM-DD (required). After it the exception stops applying.'),
  })
  .describe('A time-boxed, owned relaxation of the tier.');

export const ProfileFileSchema = z
  .strictObject({
    name: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]*$/)
      .describe('Profile name (lower case, digits, dashes).'),
    description: z.string().optional().describe('What the tier is for.'),
    extends: z
      .string()
      .min(1)
      .optional()
      .describe('Parent profile: a built-in name or a path relative to this file.'),
    isolation: z
      .enum(['standard', 'full'])
      .optional()
      .describe(
        '`full` declares a fully isolated tier (enforced egress, no host credentials); only such a tier may use bypassPermissions.',
      ),
    permissions: PermissionsSection.optional(),
    locks: LocksSection.optional(),
    mcp: McpSection.optional(),
    paths: PathsSection.optional(),
    bash: BashSection.optional(),
    egress: EgressSection.optional(),
    resources: ResourcesSection.optional(),
    credentials: CredentialsSection.optional(),
    telemetry: TelemetrySection.optional(),
    hooks: HooksSection.optional(),
    image: ImageSection.optional(),
    tls: TlsSection.optional(),
    mounts: z.array(ReadOnlyMount).optional().describe('Extra read-only mounts.'),
    exceptions: z.array(ExceptionEntry).optional().describe('Time-boxed relaxations with owners.'),
    maxExceptionDays: z
      .number()
      .int()
      .min(1)
      .max(3650)
      .optional()
      .describe(
        'Longest an exception may run, in days from the day it is validated (90 by default). A child can only lower it.',
      ),
    locked: z
      .array(
        z
          .string()
          .regex(/^!?[A-Za-z][A-Za-z0-9]*(?:\.[A-Za-z][A-Za-z0-9]*)*$/, { message: 'not a field path' }),
      )
      .optional()
      .describe(
        'Fields no profile extending this one may change, e.g. `telemetry.logToolDetails`, `egress.allow`. Accumulate.',
      ),
  })
  .describe('A ccbox security profile.');

export type ProfileFile = z.infer<typeof ProfileFileSchema>;
export type BashFamilyT = z.infer<typeof BashFamily>;
export type McpServerT = z.infer<typeof McpServer>;
export type McpDeniedT = z.infer<typeof McpDenied>;
export type ExceptionT = z.infer<typeof ExceptionEntry>;
export type MarketplaceSourceT = z.infer<typeof MarketplaceSource>;
export type ReadOnlyMountT = z.infer<typeof ReadOnlyMount>;
