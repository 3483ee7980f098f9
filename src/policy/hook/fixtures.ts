import { z } from 'zod';
import type { SessionPlan } from '../plan.js';
import { AGENT_HOME, AGENT_WORKSPACE, planContext } from './gate-policy.js';
import type { DecideContext, DecideHook, HookDecision, HookInput, HookVerdict } from './types.js';

const verdict = z.enum(['allow', 'ask', 'deny']);

const caseSchema = z
  .object({
    name: z.string().min(1).describe('what the case shows, unique in its file'),
    bash: z.string().optional().describe('shorthand for a PreToolUse Bash call with this command'),
    input: z.record(z.string(), z.unknown()).optional().describe('a full hook input (Claude Code hook JSON)'),
    expect: z
      .union([verdict, z.record(z.string(), verdict)])
      .describe('the expected decision, or one per tier with `default`; an ask is a deny in headless tiers'),
    sessionCreated: z
      .array(z.string())
      .optional()
      .describe('worktree paths the session wrote before this call'),
    tags: z.array(z.string()).optional().describe('groups for the summary: attack, obfuscation, benign'),
    owner: z.string().optional().describe("who owns the case (the guide's red-team record)"),
    fix: z.string().optional().describe('what fixed it, for a case that once failed'),
  })
  .strict()
  .refine((c) => (c.bash === undefined) !== (c.input === undefined), {
    message: 'give exactly one of bash or input',
  });

/** A fixture file: a list of cases. */
export const fixtureFileSchema = z
  .object({ description: z.string().optional(), cases: z.array(caseSchema).min(1) })
  .strict();

export type FixtureCase = z.infer<typeof caseSchema>;

/** The guide's red-team record for one case against one tier. */
export interface RedTeamRecord {
  fixture: string;
  profile: string;
  input: HookInput;
  expected: HookVerdict;
  actual: HookVerdict;
  evidence: Pick<HookDecision, 'rule' | 'reason' | 'normalised' | 'paths' | 'mcp'>;
  tags: string[];
  owner?: string | undefined;
  fix?: string | undefined;
  status: 'pass' | 'fail';
}

/** Where the agent runs inside the container: the fixtures name paths relative to these. */
export const FIXTURE_WORKSPACE = AGENT_WORKSPACE;
export const FIXTURE_HOME = AGENT_HOME;

/** The context a tier's plan gives the decider, as the gate builds it (gate-policy.ts). */
export function contextFor(plan: SessionPlan, sessionCreated: readonly string[] = []): DecideContext {
  return { ...planContext(plan), sessionCreated: new Set(sessionCreated) };
}

function expectedFor(c: FixtureCase, profile: string, headless: boolean): HookVerdict {
  const e = typeof c.expect === 'string' ? c.expect : (c.expect[profile] ?? c.expect.default ?? 'deny');
  return headless && e === 'ask' ? 'deny' : e;
}

/** Runs one case against one tier's plan. */
export function runCase(
  decide: DecideHook,
  plan: SessionPlan,
  c: FixtureCase,
  fixture: string,
): RedTeamRecord {
  const input: HookInput =
    c.bash !== undefined
      ? { hook_event_name: 'PreToolUse', tool_name: 'Bash', tool_input: { command: c.bash } }
      : { hook_event_name: 'PreToolUse', ...c.input };
  const ctx = contextFor(plan, c.sessionCreated);
  const d = decide(input, plan.hookPolicy, ctx);
  const expected = expectedFor(c, plan.profile.name, ctx.headless);
  return {
    fixture: `${fixture}#${c.name}`,
    profile: plan.profile.name,
    input,
    expected,
    actual: d.decision,
    evidence: { rule: d.rule, reason: d.reason, normalised: d.normalised, paths: d.paths, mcp: d.mcp },
    tags: c.tags ?? [],
    owner: c.owner,
    fix: c.fix,
    status: d.decision === expected ? 'pass' : 'fail',
  };
}

/** Per tier and tag: how many cases, how many passed, and for benign ones how many were not allowed. */
export interface TagSummary {
  profile: string;
  tag: string;
  cases: number;
  passed: number;
  allowed: number;
  asked: number;
  denied: number;
}

/** Summarises records by tier and tag (a case without tags counts under `untagged`). */
export function summarise(records: readonly RedTeamRecord[]): TagSummary[] {
  const rows = new Map<string, TagSummary>();
  for (const r of records) {
    for (const tag of r.tags.length > 0 ? r.tags : ['untagged']) {
      const key = `${r.profile}\0${tag}`;
      const row = rows.get(key) ?? {
        profile: r.profile,
        tag,
        cases: 0,
        passed: 0,
        allowed: 0,
        asked: 0,
        denied: 0,
      };
      row.cases++;
      if (r.status === 'pass') row.passed++;
      if (r.actual === 'allow') row.allowed++;
      else if (r.actual === 'ask') row.asked++;
      else row.denied++;
      rows.set(key, row);
    }
  }
  return [...rows.values()];
}
