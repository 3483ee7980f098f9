import type { ProfileFile } from './schema.js';
import { error, warning, type RawIssue } from './raw-issue.js';
import { renderFound } from './issues.js';
import { addressLabel, checkHostPattern } from './safety-egress.js';

/** The host an MCP URL reaches, lower case (brackets kept for IPv6), or null when it is no URL. */
export function mcpHost(url: string): string | null {
  try {
    return new URL(url).hostname.toLowerCase();
  } catch {
    return null;
  }
}

/**
 * Why the egress checks: an approved remote server's host joins the gate's allowlist, so it must pass
 * exactly what `egress.allow` would (no address literal, no metadata address, no public suffix).
 */
function checkMcpHost(name: string, url: string): RawIssue[] {
  const host = mcpHost(url);
  if (host === null) return [];
  const why = checkHostPattern(host, true);
  if (why === null) return [];
  const label = addressLabel(host.replace(/^\[|\]$/g, ''));
  return [
    error(
      ['mcp', 'servers', name, 'url'],
      `the server's host joins the egress allowlist, and it ${why}${label ? ` (${label})` : ''}`,
      { found: renderFound(host), allowed: 'an https URL on a host egress.allow would accept' },
    ),
  ];
}

/** Checks one layer's approved MCP servers: exact, https, and a host the gate may be allowed to reach. */
export function checkMcpServers(layer: ProfileFile): RawIssue[] {
  const issues: RawIssue[] = [];
  for (const [name, server] of Object.entries(layer.mcp?.servers ?? {})) {
    if ('url' in server) issues.push(...checkMcpHost(name, server.url));
    if ('url' in server && !server.url.startsWith('https://')) {
      issues.push(
        error(['mcp', 'servers', name, 'url'], 'remote MCP servers must use https', {
          found: renderFound(server.url),
          allowed: 'https:// URLs',
        }),
      );
    }
    if (
      'command' in server &&
      ['sh', 'bash', 'zsh', '/bin/sh', '/bin/bash'].includes(server.command) &&
      (server.args ?? []).includes('-c')
    ) {
      issues.push(
        error(
          ['mcp', 'servers', name, 'command'],
          'an MCP server approved as a shell script string is not an exact command',
          {
            found: renderFound([server.command, ...(server.args ?? [])]),
            allowed: 'the server executable and its exact arguments',
          },
        ),
      );
    }
    if ('command' in server && ['npx', 'uvx', 'bunx', 'pnpx'].includes(server.command)) {
      const pkg = (server.args ?? []).find((a) => !a.startsWith('-'));
      if (pkg && !/.@\d/.test(pkg))
        issues.push(
          warning(['mcp', 'servers', name, 'args'], 'the package is not pinned to a version', {
            found: renderFound(pkg),
            allowed: 'name@1.2.3',
          }),
        );
    }
  }
  return issues;
}
