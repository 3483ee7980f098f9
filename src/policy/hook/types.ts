import type { HookPolicy } from '../plan.js';
import type { ShellParser } from './parser.js';

/**
 * The shared contract of the tool boundary (issue 19): what Claude Code hands a command hook on stdin,
 * and what the policy engine answers. The gate's policy endpoint and `ccbox policy test` both call
 * `decideHook` (src/policy/hook/decide.ts) with these types: one implementation, tested once.
 */

/** Claude Code's hook events that ccbox registers (shared/reference/claude-code-controls.md). */
export type HookEventName =
  | 'PreToolUse'
  | 'PostToolUse'
  | 'PostToolUseFailure'
  | 'PermissionRequest'
  | 'SessionStart'
  | 'SessionEnd'
  | 'ConfigChange';

/** The JSON a command hook reads on stdin (only the fields ccbox reads; others are ignored). */
export interface HookInput {
  session_id?: string;
  transcript_path?: string;
  cwd?: string;
  permission_mode?: string;
  /** One of HookEventName from the pinned Claude Code; kept a string so an unknown event is decided, not rejected. */
  hook_event_name: string;
  tool_name?: string;
  tool_input?: Record<string, unknown>;
  tool_use_id?: string;
  tool_response?: unknown;
}

/** What a session's tier adds to the compiled policy when deciding. */
export interface DecideContext {
  /** Headless tiers deny what interactive ones would ask (nobody can answer a prompt). */
  headless: boolean;
  /** The worktree's root inside the container (paths are resolved against it). */
  workspace: string;
  /** The agent's home inside the container (`~` resolves to it). */
  home: string;
  /** Approved MCP servers and, per server, approved tools (`*` for all): from the plan. */
  mcp?: Record<string, string[]>;
  /** Host patterns WebFetch may reach: the tier's egress allowlist. */
  webFetchHosts?: string[];
  /** Worktree-relative paths the session itself created (a script written, then run, is its own family). */
  sessionCreated?: ReadonlySet<string>;
  /**
   * The loaded shell parser (`loadShellParser()`, once at start). Without it a Bash call cannot be read
   * and is answered `ask` (`deny` headless); `createDecider(parser)` fills it in.
   */
  shell?: ShellParser;
  /**
   * Resolves a symlink inside the worktree, for a caller that can see the agent's filesystem (the host).
   * The gate cannot: there a symlink to a secret reads the masked file, the mount is that boundary.
   */
  realpath?: (absolute: string) => string | undefined;
}

export type HookVerdict = 'allow' | 'ask' | 'deny';

/** The engine's answer; every field lands in the audit event. */
export interface HookDecision {
  decision: HookVerdict;
  /** Shown to the model and to the user: why (names the family or path, never a secret value). */
  reason: string;
  /** The rule that decided: a family name, `secret-path`, `control-path`, `unresolved-command`, `local-work`... */
  rule: string;
  /** The normalised command(s) for Bash, joined with ` ; ` (what the decision was about). */
  normalised?: string;
  /** The paths the decision was about, resolved (worktree-relative where inside it). */
  paths?: string[];
  /** For mcp__server__tool calls. */
  mcp?: { server: string; tool: string };
}

/** Decides one hook input against a compiled policy. Pure and synchronous once the parser is loaded. */
export type DecideHook = (input: HookInput, policy: HookPolicy, ctx: DecideContext) => HookDecision;
