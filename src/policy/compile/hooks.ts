import type { ManagedHooks } from '../plan.js';

/** The adapter baked root-owned into the agent image (images/agent/ccbox-hook). */
export const HOOK_ADAPTER = '/usr/local/bin/ccbox-hook';

/**
 * The tools the pinned Claude Code (2.1.332) offers, as its own `system`/`init` stream-json message
 * lists them: `claude -p hi --output-format stream-json --verbose` in the agent runtime image with no
 * network (the init message comes before the first API call). Kept to check the registration covers
 * each (test/unit/policy/compile-hooks.test.ts) and to notice a new tool when the pin moves
 * (test/docker/hooks.test.ts compares it with the live list). Glob, Grep and MultiEdit, which the
 * guide names, are not among them in this version; the `*` matcher would hook them too.
 */
export const PINNED_TOOLS = [
  'Task',
  'Bash',
  'CronCreate',
  'CronDelete',
  'CronList',
  'Edit',
  'EnterWorktree',
  'ExitWorktree',
  'ListAgents',
  'Monitor',
  'NotebookEdit',
  'Read',
  'ReportFindings',
  'ScheduleWakeup',
  'SendMessage',
  'Skill',
  'TaskStop',
  'ToolSearch',
  'WebFetch',
  'WebSearch',
  'Workflow',
  'Write',
] as const;

/**
 * Every tool, `mcp__*` ones included. Why `*` and not the list above: a tool the list misses (a new
 * version's, a plugin's) would run with no decision at all; with `*` the gate decides it (an unknown
 * tool is its own rule there).
 */
export const ALL_TOOLS_MATCHER = '*';

/**
 * Seconds the adapter waits for the gate, and Claude Code's own timeout per hook. Why the adapter's is
 * shorter: a command hook that Claude Code times out lets the call proceed; the adapter must give up
 * first and answer for itself. SessionEnd shares a 1.5 s budget in Claude Code, so it gets one second.
 */
const ADAPTER_WAIT_S = 5;
const HOOK_TIMEOUT_S = 10;

type Failure = 'fail-closed' | 'fail-open';

/**
 * The hook command. Why the `||` in fail-closed tiers: Claude Code treats any exit but 0 and 2 as a
 * non-blocking error and runs the call, so an adapter that is missing, not executable or crashed (a
 * broken image, its own bug) would fail open; the shell turns every such exit into a denial with a reason.
 */
function handler(failure: Failure, wait = ADAPTER_WAIT_S, timeout = HOOK_TIMEOUT_S) {
  const run = `${HOOK_ADAPTER} ${failure} ${wait}`;
  const command =
    failure === 'fail-closed'
      ? `${run} || { s=$?; [ "$s" -eq 2 ] || echo "ccbox: the policy hook failed (exit $s); denied (fail-closed)" >&2; exit 2; }`
      : run;
  return { type: 'command' as const, command, timeout };
}

/**
 * The tier's hook registration for managed settings (with `allowManagedHooksOnly`, the only hooks that
 * run). PreToolUse decides; PostToolUse and PostToolUseFailure are recorded; PermissionRequest is
 * denied in headless tiers (nobody can answer it); SessionStart, SessionEnd and ConfigChange are
 * recorded (a ConfigChange the gate denies is blocked).
 */
export function compileHooks(failure: Failure): ManagedHooks {
  const tools = [{ matcher: ALL_TOOLS_MATCHER, hooks: [handler(failure)] }];
  const any = [{ hooks: [handler(failure)] }];
  return {
    PreToolUse: tools,
    PostToolUse: tools,
    PostToolUseFailure: tools,
    PermissionRequest: tools,
    SessionStart: any,
    SessionEnd: [{ hooks: [handler(failure, 1, 2)] }],
    ConfigChange: any,
  };
}

/**
 * What a registration does when the adapter fails: `fail-closed` only if every handler denies on failure.
 * Read back from the commands themselves, so `profiles diff` judges what a session would really run.
 */
export function hookFailureOf(hooks: ManagedHooks): Failure | 'none' {
  const commands = Object.values(hooks).flatMap((ms) => ms.flatMap((m) => m.hooks.map((h) => h.command)));
  if (commands.length === 0) return 'none';
  return commands.every((c) => c.startsWith(`${HOOK_ADAPTER} fail-closed `)) ? 'fail-closed' : 'fail-open';
}
