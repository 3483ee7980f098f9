import type { HookPolicy } from '../plan.js';
import type { ShellParser } from './parser.js';
import type { DecideContext, DecideHook, HookDecision, HookInput, HookVerdict } from './types.js';
import { analyseBash, type Finding } from './bash.js';
import { familyTable, type Family } from './families.js';
import { pathRules, type PathRules } from './paths.js';
import { strictestRule, tierRules, type TierRules } from './rules.js';
import { decideFileTool, decideMcp, decideOtherTool, decideWebFetch } from './tools.js';

/** A policy's tables, compiled once per policy object by a decider. */
interface Compiled {
  families: Map<string, Family>;
  paths: PathRules;
  rules: TierRules;
}

const RANK: Record<HookVerdict, number> = { allow: 0, ask: 1, deny: 2 };

function compileTables(policy: HookPolicy, ctx: DecideContext): Compiled {
  return {
    families: familyTable(policy),
    paths: pathRules(policy, ctx.workspace, ctx.home),
    rules: tierRules(policy.rules),
  };
}

/**
 * Decides one hook input. Order: what the tool does (families, paths, hosts, MCP approvals), then the
 * tier's own ask/deny rules on top (a hook allow never contradicts them), then headless: an ask nobody
 * can answer is a deny.
 */
function decide(input: HookInput, policy: HookPolicy, ctx: DecideContext, tables: Compiled): HookDecision {
  const headless = ctx.headless || policy.headless === true;
  const tool = input.tool_name ?? '';
  let d: HookDecision;
  if (input.hook_event_name !== 'PreToolUse') d = decideEvent(input, headless);
  else {
    const ti = input.tool_input ?? {};
    const cwd = typeof input.cwd === 'string' && input.cwd.startsWith('/') ? input.cwd : ctx.workspace;
    if (tool === 'Bash') d = decideBash(typeof ti.command === 'string' ? ti.command : '', ctx, tables, cwd);
    else if (tool === 'WebFetch') d = decideWebFetch(ti, ctx.webFetchHosts ?? []);
    else if (tool.startsWith('mcp__')) d = decideMcp(tool, ctx.mcp);
    else d = decideFileTool(tool, ti, tables.paths, cwd) ?? decideOtherTool(input);
    d = tierFloor(d, tables.rules, tool);
    if (d.decision === 'allow' && input.permission_mode === 'plan' && !READ_ONLY_TOOLS.has(tool)) {
      // Why: in plan mode nothing may change yet; a hook allow would skip that.
      d = { ...d, decision: 'ask', rule: 'plan-mode', reason: `plan mode: ${d.reason}` };
    }
  }
  if (headless && d.decision === 'ask')
    d = { ...d, decision: 'deny', reason: `${d.reason}; headless: nobody can approve it` };
  return d;
}

const READ_ONLY_TOOLS = new Set([
  'Read',
  'Grep',
  'Glob',
  'LS',
  'NotebookRead',
  'WebFetch',
  'WebSearch',
  'TodoWrite',
  'Task',
  'Agent',
  'ExitPlanMode',
  'AskUserQuestion',
]);

function tierFloor(d: HookDecision, rules: TierRules, tool: string): HookDecision {
  const subjects = d.normalised?.split(' ; ') ?? [];
  const tier = strictestRule(rules, tool, subjects);
  if (tier === null || RANK[tier.decision] <= RANK[d.decision]) return d;
  return {
    ...d,
    decision: tier.decision,
    rule: `tier-rule ${tier.rule}`,
    reason: `this tier's permission rules ${tier.decision} ${tier.rule}`,
  };
}

function decideBash(command: string, ctx: DecideContext, tables: Compiled, cwd: string): HookDecision {
  if (ctx.shell === undefined)
    return {
      decision: 'ask',
      rule: 'parser-unavailable',
      reason: 'the shell parser is not loaded, so the command cannot be read',
    };
  const a = analyseBash(command, {
    parser: ctx.shell,
    families: tables.families,
    paths: tables.paths,
    home: ctx.home,
    cwd,
    sessionCreated: ctx.sessionCreated ?? new Set(),
    realpath: ctx.realpath,
  });
  const normalised = a.normalised.join(' ; ');
  const top = strongest(a.findings);
  const evidence = { normalised, ...(a.paths.length > 0 ? { paths: a.paths } : {}) };
  if (top === null)
    return {
      decision: 'allow',
      rule: 'local-work',
      reason: 'local work: no network, secret, control-plane path, install or publish',
      ...evidence,
    };
  return { decision: top.decision, rule: top.rule, reason: top.reason, ...evidence };
}

function strongest(findings: readonly Finding[]): Finding | null {
  let top: Finding | null = null;
  for (const f of findings) if (top === null || RANK[f.decision] > RANK[top.decision]) top = f;
  return top;
}

// Why these answers: only PreToolUse decides a tool call; PermissionRequest is a prompt (headless has
// nobody to answer it), ConfigChange is the agent's session changing its own settings.
function decideEvent(input: HookInput, headless: boolean): HookDecision {
  switch (input.hook_event_name) {
    case 'PermissionRequest':
      return headless
        ? {
            decision: 'deny',
            rule: 'headless-permission',
            reason: 'headless: nobody can approve a permission request',
          }
        : { decision: 'ask', rule: 'permission-request', reason: 'a human decides' };
    case 'ConfigChange':
      return { decision: 'ask', rule: 'config-change', reason: 'the session tried to change its settings' };
    default:
      return {
        decision: 'allow',
        rule: 'record',
        reason: `${input.hook_event_name} is recorded, not decided`,
      };
  }
}

/**
 * The engine with a loaded parser and a per-policy cache (what the gate and `ccbox policy test` use):
 * synchronous per call. Load the parser once with `loadShellParser()`.
 */
export function createDecider(parser: ShellParser): DecideHook {
  const cache = new WeakMap<HookPolicy, Compiled>();
  return (input, policy, ctx) => {
    let tables = cache.get(policy);
    if (tables === undefined) {
      tables = compileTables(policy, ctx);
      cache.set(policy, tables);
    }
    return decide(input, policy, { ...ctx, shell: ctx.shell ?? parser }, tables);
  };
}

/**
 * The engine without a cache: Bash needs `ctx.shell` (a loaded parser), else it is asked (denied
 * headless). Prefer `createDecider`, which compiles a policy's tables once.
 */
export const decideHook: DecideHook = (input, policy, ctx) =>
  decide(input, policy, ctx, compileTables(policy, ctx));
