import type { HookPolicy, SessionPlan } from '../plan.js';
import type { DecideContext } from './types.js';

/** Where the agent runs inside its container; the engine resolves paths against these. */
export const AGENT_WORKSPACE = '/workspace';
export const AGENT_HOME = '/home/agent';

/** The parts of a decide context that come from the plan (the rest is per call or per process). */
export type PlanContext = Pick<DecideContext, 'headless' | 'workspace' | 'home' | 'webFetchHosts' | 'mcp'>;

/**
 * What the gate's hook endpoint decides with: the tier's compiled hook policy and the plan's context.
 * Why a file of its own, written by the host: the copy baked into the agent image is the agent's to
 * read; the gate must decide from one the agent never reached.
 */
export interface GateHookPolicy {
  policy: HookPolicy;
  context: PlanContext;
}

/** The context a tier's plan gives the decider: headless, WebFetch hosts, MCP approvals. */
export function planContext(plan: SessionPlan): PlanContext {
  return {
    headless: plan.hookPolicy.headless === true,
    workspace: AGENT_WORKSPACE,
    home: AGENT_HOME,
    webFetchHosts: plan.egress.allowHosts,
    mcp: Object.fromEntries(Object.keys(plan.managedMcp.mcpServers).map((name) => [name, ['*']])),
  };
}

/** The gate's hook policy file for a plan. */
export function gateHookPolicy(plan: SessionPlan): GateHookPolicy {
  return { policy: plan.hookPolicy, context: planContext(plan) };
}

const strings = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');

/**
 * Checks the file's shape (the gate has no zod). Throws on anything else: a gate without a readable
 * hook policy does not start, so no tool call is decided from a half-read one.
 */
export function parseGateHookPolicy(raw: unknown): GateHookPolicy {
  const bad = (what: string): never => {
    throw new Error(`the hook policy file is not valid: ${what}`);
  };
  if (typeof raw !== 'object' || raw === null) return bad('not an object');
  const { policy, context } = raw as Record<string, unknown>;
  if (typeof policy !== 'object' || policy === null) return bad('no policy');
  const p = policy as Record<string, unknown>;
  if (typeof p.policyVersion !== 'string') bad('no policy version');
  if (!Array.isArray(p.families)) bad('no families');
  if (!strings(p.protectedPaths) || !strings(p.secretPaths)) bad('no path lists');
  if (typeof context !== 'object' || context === null) return bad('no context');
  const c = context as Record<string, unknown>;
  if (typeof c.headless !== 'boolean' || typeof c.workspace !== 'string' || typeof c.home !== 'string')
    bad('no headless, workspace or home');
  if (c.webFetchHosts !== undefined && !strings(c.webFetchHosts)) bad('webFetchHosts is not a list');
  return raw as GateHookPolicy;
}
