import { loadProfile } from '../../../../src/profile/load.js';
import { compile } from '../../../../src/policy/compile/compile.js';
import { loadShellParser, type ShellParser } from '../../../../src/policy/hook/parser.js';
import { createDecider } from '../../../../src/policy/hook/decide.js';
import { contextFor } from '../../../../src/policy/hook/fixtures.js';
import type { DecideContext, HookDecision, HookInput } from '../../../../src/policy/hook/types.js';
import type { SessionPlan } from '../../../../src/policy/plan.js';
import { loadOptions } from '../../profile/helpers.js';

/** A built-in tier's compiled plan. */
export const planOf = (tier: string): SessionPlan => compile(loadProfile(tier, loadOptions()).profile);

/** A decider for one tier, with the fixture context (workspace /workspace, home /home/agent). */
export async function deciderFor(tier: string): Promise<{
  parser: ShellParser;
  plan: SessionPlan;
  bash: (command: string, extra?: Partial<DecideContext>) => HookDecision;
  tool: (
    input: Omit<HookInput, 'hook_event_name'> & { hook_event_name?: string },
    extra?: Partial<DecideContext>,
  ) => HookDecision;
}> {
  const parser = await loadShellParser();
  const decide = createDecider(parser);
  const plan = planOf(tier);
  const ctx = (extra?: Partial<DecideContext>): DecideContext => ({ ...contextFor(plan), ...extra });
  return {
    parser,
    plan,
    bash: (command, extra) =>
      decide(
        { hook_event_name: 'PreToolUse', tool_name: 'Bash', tool_input: { command } },
        plan.hookPolicy,
        ctx(extra),
      ),
    tool: (input, extra) => decide({ hook_event_name: 'PreToolUse', ...input }, plan.hookPolicy, ctx(extra)),
  };
}
