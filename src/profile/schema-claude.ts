import { z } from 'zod';
import { ExactUrl, UrlPattern } from './schema-url.js';

/** Profile sections that compile into Claude Code's own managed settings: permissions, locks, MCP. */
// Why a syntax check here: a malformed rule is dropped by Claude Code at load time, so a typo in a deny
// rule would silently leave the action allowed.
const RULE_RE = /^!?(?:[A-Za-z][A-Za-z0-9_]*|mcp__[A-Za-z0-9_*-]+(?:__[A-Za-z0-9_*-]+)?)(?:\((?:.|\n)+\))?$/;

export const PermissionRule = z
  .string()
  .min(1)
  .regex(RULE_RE, {
    message: 'not a Claude Code permission rule: expected Tool or Tool(specifier), e.g. Bash(git push *)',
  })
  .describe(
    'A Claude Code permission rule: `Tool` or `Tool(specifier)`, e.g. `Bash(npm run test *)`, `Read(./.env)`. A leading `!` removes an inherited allow rule.',
  );

export const PermissionMode = z
  .enum(['default', 'plan', 'acceptEdits', 'dontAsk', 'bypassPermissions'])
  .describe(
    'Claude Code permission mode for the session. bypassPermissions is accepted only in a tier whose isolation is `full`.',
  );

const RuleList = (what: string) => z.array(PermissionRule).describe(what);

export const PermissionsSection = z
  .strictObject({
    defaultMode: PermissionMode.optional(),
    disableBypassPermissionsMode: z
      .boolean()
      .optional()
      .describe(
        'Reject --dangerously-skip-permissions and bypass mode (`permissions.disableBypassPermissionsMode: "disable"`). Only ever turned on by a child.',
      ),
    deny: RuleList(
      'Rules that block a tool call in every mode. Accumulate along `extends`; a child can never remove one.',
    ).optional(),
    ask: RuleList(
      'Rules that always prompt (in dontAsk mode they deny). Accumulate; a child cannot remove one.',
    ).optional(),
    allow: RuleList(
      'Rules that run without a prompt. Keep them narrow; a child may remove an inherited one with a leading `!`.',
    ).optional(),
  })
  .describe('Permission rules and mode, compiled into managed-settings.json `permissions`.');

export const MarketplaceSource = z
  .strictObject({
    source: z.enum(['github', 'url', 'git', 'npm']).describe('Kind of marketplace source.'),
    repo: z.string().optional().describe('owner/name for github sources.'),
    url: UrlPattern.optional().describe('URL for url and git sources (no user:password@).'),
    package: z.string().optional().describe('Package name for npm sources.'),
    ref: z.string().optional().describe('Pinned ref.'),
  })
  .describe('An approved plugin marketplace source (strictKnownMarketplaces entry).');

export const LocksSection = z
  .strictObject({
    allowManagedPermissionRulesOnly: z
      .boolean()
      .optional()
      .describe(
        'Only managed allow/ask/deny rules apply; user, project and --allowedTools rules are ignored. Only ever turned on by a child.',
      ),
    allowManagedHooksOnly: z
      .boolean()
      .optional()
      .describe(
        'Only managed hooks run; repository and user hooks are blocked. Only ever turned on by a child.',
      ),
    allowManagedMcpServersOnly: z
      .boolean()
      .optional()
      .describe('Only the managed MCP allowlist counts. Only ever turned on by a child.'),
    disableSideloadFlags: z
      .boolean()
      .optional()
      .describe(
        'Reject --plugin-dir, --agents, --mcp-config side-loading flags. Only ever turned on by a child.',
      ),
    strictKnownMarketplaces: z
      .array(MarketplaceSource)
      .optional()
      .describe('Approved plugin marketplaces; an empty list locks plugins down entirely.'),
    allowedHttpHookUrls: z
      .array(UrlPattern)
      .optional()
      .describe('URL patterns HTTP hooks may call; empty blocks every HTTP hook.'),
    httpHookAllowedEnvVars: z
      .array(z.string().regex(/^!?[A-Za-z_][A-Za-z0-9_]*$/))
      .optional()
      .describe('Environment variables HTTP hook headers may interpolate.'),
  })
  .describe('Managed-only locks that stop user and repository settings from weakening the tier.');

export const McpServer = z
  .union([
    z
      .strictObject({
        url: ExactUrl.describe(
          'Exact URL of an approved remote MCP server: no `*` anywhere, no user:password@.',
        ),
        transport: z.enum(['http', 'sse']).optional().describe('Remote transport; http by default.'),
      })
      .describe('A remote MCP server approved by exact URL.'),
    z
      .strictObject({
        command: z
          .string()
          .min(1)
          .regex(/^[^*]*$/, { message: 'must be an exact command: `*` is not allowed' })
          .describe('Executable of an approved stdio MCP server.'),
        args: z
          .array(z.string().regex(/^[^*]*$/, { message: 'must be an exact argument: `*` is not allowed' }))
          .optional()
          .describe('Exact arguments; the allowlist matches command plus args exactly.'),
      })
      .describe('A local stdio MCP server approved by exact command and arguments.'),
  ])
  .describe('An approved MCP server, matched by exact URL or exact command, never by display name.');

export const McpDenied = z
  .union([
    z.strictObject({
      url: UrlPattern.describe('URL pattern (`*` wildcards) of denied remote servers.'),
    }),
    z.strictObject({ command: z.array(z.string()).min(1).describe('Exact argv of a denied stdio server.') }),
  ])
  .describe('A denied MCP server, by URL pattern or exact command.');

export const McpSection = z
  .strictObject({
    servers: z
      .record(z.string().regex(/^[A-Za-z0-9_-]+$/), McpServer)
      .optional()
      .describe('Approved servers, written to managed-mcp.json (the only servers Claude Code will load).'),
    denied: z
      .array(McpDenied)
      .optional()
      .describe('Denied servers (deniedMcpServers). Accumulate; a child cannot remove one.'),
  })
  .describe('MCP governance: a managed catalog approved by exact URL or command.');
