import type { ResolvedProfile } from '../../profile/types.js';
import type { ManagedMcp, ManagedSettings } from '../plan.js';
import { canonicalJson } from '../../common/canonical.js';

type ServerMatcher = ManagedSettings['allowedMcpServers'][number];

const byJson = (a: unknown, b: unknown): number => (canonicalJson(a) < canonicalJson(b) ? -1 : 1);

/**
 * MCP governance: approved servers go to managed-mcp.json (exclusive: nothing else loads) and to the
 * allowlist by exact URL or exact argv, never by display name (a name is a user-chosen label).
 */
export function compileMcp(profile: ResolvedProfile): {
  managedMcp: ManagedMcp;
  allowed: ServerMatcher[];
  denied: ServerMatcher[];
  remoteHosts: string[];
} {
  const mcpServers: ManagedMcp['mcpServers'] = {};
  const allowed: ServerMatcher[] = [];
  const remoteHosts: string[] = [];
  for (const name of Object.keys(profile.mcp.servers).sort()) {
    const server = profile.mcp.servers[name];
    if (!server) continue;
    if ('url' in server) {
      mcpServers[name] = { type: server.transport ?? 'http', url: server.url };
      allowed.push({ serverUrl: server.url });
      remoteHosts.push(new URL(server.url).hostname.toLowerCase());
    } else {
      mcpServers[name] = { type: 'stdio', command: server.command, args: server.args ?? [] };
      allowed.push({ serverCommand: [server.command, ...(server.args ?? [])] });
    }
  }
  const denied: ServerMatcher[] = profile.mcp.denied.map((d) =>
    'url' in d ? { serverUrl: d.url } : { serverCommand: d.command },
  );
  return {
    managedMcp: { mcpServers },
    allowed: allowed.sort(byJson),
    denied: denied.sort(byJson),
    remoteHosts,
  };
}
