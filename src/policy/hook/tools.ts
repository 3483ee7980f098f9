import { compilePatterns, matchHost, normaliseHost } from '../egress/index.js';
import type { HookDecision, HookInput } from './types.js';
import { classifyPath, displayPath, resolvePath, type PathRules } from './paths.js';

const FILE_WRITERS = new Set(['Edit', 'Write', 'MultiEdit', 'NotebookEdit']);
const FILE_READERS = new Set(['Read', 'Grep', 'Glob', 'LS', 'NotebookRead']);

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** The file tools: secret paths denied, control-plane writes asked, the rest local work. */
export function decideFileTool(
  tool: string,
  input: Record<string, unknown>,
  rules: PathRules,
  cwd: string,
): HookDecision | null {
  if (!FILE_WRITERS.has(tool) && !FILE_READERS.has(tool)) return null;
  const write = FILE_WRITERS.has(tool);
  const raw = [str(input.file_path), str(input.notebook_path), str(input.path)].filter(
    (p): p is string => p !== undefined,
  );
  const globs = [str(input.pattern), str(input.glob)].filter((p): p is string => p !== undefined);
  if (tool !== 'Glob') globs.splice(globs.indexOf(str(input.pattern) ?? '\0'), str(input.pattern) ? 1 : 0);
  const base = raw[0] !== undefined ? resolvePath(raw[0], cwd) : cwd;
  const checks: Array<{ abs: string; glob: boolean }> = raw.map((p) => ({
    abs: resolvePath(p, cwd),
    glob: false,
  }));
  for (const g of globs) checks.push({ abs: resolvePath(g, base), glob: true });
  const paths: string[] = [];
  let control = false;
  for (const c of checks) {
    const kind = classifyPath(rules, c.abs, c.glob);
    const shown = displayPath(c.abs, rules.workspace);
    if (kind === 'secret') {
      return {
        decision: 'deny',
        rule: 'secret-path',
        reason: `${tool} of a secret path of this tier (${shown})`,
        paths: [shown],
      };
    }
    if (kind === 'control' && write) control = true;
    paths.push(shown);
  }
  if (control)
    return {
      decision: 'ask',
      rule: 'control-path',
      reason: `${tool} of a control-plane path (${paths.join(', ')}): a human must review it`,
      paths,
    };
  return { decision: 'allow', rule: 'local-work', reason: `${tool} inside the session`, paths };
}

/** WebFetch: the tier's egress allowlist decides; an unknown host is asked (denied headless). */
export function decideWebFetch(input: Record<string, unknown>, hosts: readonly string[]): HookDecision {
  const url = str(input.url);
  let host: string | null;
  try {
    host = url === undefined ? null : new URL(url).hostname;
  } catch {
    host = null;
  }
  const parsed = host === null ? null : normaliseHost(host);
  if (parsed?.kind !== 'name') {
    return {
      decision: 'deny',
      rule: 'webfetch-host',
      reason: 'WebFetch needs a URL with a host name',
      paths: [],
    };
  }
  const matched = matchHost(compilePatterns(hosts), parsed.name);
  return matched !== null
    ? {
        decision: 'allow',
        rule: 'webfetch-allowlist',
        reason: `${parsed.name} is on this tier's egress allowlist (${matched})`,
      }
    : {
        decision: 'ask',
        rule: 'webfetch-host',
        reason: `${parsed.name} is not on this tier's egress allowlist`,
      };
}

/** MCP tools: only approved servers, and on a server only its approved tools (`*` for all). */
export function decideMcp(tool: string, approved: Record<string, string[]> | undefined): HookDecision {
  const [, server = '', name = ''] = /^mcp__(.+?)__(.+)$/.exec(tool) ?? [];
  const mcp = { server, tool: name };
  const tools = approved?.[server];
  if (tools === undefined)
    return {
      decision: 'deny',
      rule: 'mcp-server',
      reason: `MCP server ${server || '(none)'} is not approved in this tier`,
      mcp,
    };
  if (!tools.includes('*') && !tools.includes(name)) {
    return {
      decision: 'deny',
      rule: 'mcp-tool',
      reason: `MCP tool ${name} of ${server} is not approved in this tier`,
      mcp,
    };
  }
  return {
    decision: 'allow',
    rule: 'mcp-approved',
    reason: `MCP tool ${name} of ${server} is approved`,
    mcp,
  };
}

// Tools with no effect outside the conversation (planning, todo lists, sub-agents whose own tool calls
// come through this hook again).
const INERT = new Set([
  'Task',
  'Agent',
  'TodoWrite',
  'TodoRead',
  'ExitPlanMode',
  'EnterPlanMode',
  'AskUserQuestion',
  'BashOutput',
  'KillShell',
  'KillBash',
  'TaskOutput',
  'TaskStop',
  'ListMcpResourcesTool',
  'ReadMcpResourceTool',
  'Skill',
  'SlashCommand',
  'ToolSearch',
  'WebSearch',
]);

/** Tools that are not Bash, a file tool, WebFetch or MCP. */
export function decideOtherTool(input: HookInput): HookDecision {
  const tool = input.tool_name ?? '';
  if (INERT.has(tool))
    return { decision: 'allow', rule: 'inert-tool', reason: `${tool} has no effect outside the session` };
  return {
    decision: 'ask',
    rule: 'unknown-tool',
    reason: `${tool || 'a tool without a name'} is not known to this policy`,
  };
}
