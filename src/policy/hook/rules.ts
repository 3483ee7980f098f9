import type { HookVerdict } from './types.js';

/** A tier permission rule (`Bash(curl *)`, `WebFetch`, `mcp__x`) compiled for matching. */
interface Rule {
  text: string;
  tool: string;
  /** null: the rule names the whole tool. */
  spec: RegExp | null;
}

/** The tier's ask and deny rules, so a hook `allow` never contradicts them. */
export interface TierRules {
  ask: Rule[];
  deny: Rule[];
}

const escape = (s: string): string => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&');

// Why this shape: Claude Code's Bash rules are prefix globs (`*` any text, a trailing ` *` or `:*` also
// matches the bare command). Matching is only used to stay at least as strict as the tier.
function compileRule(text: string): Rule | null {
  const m = /^([A-Za-z_][\w-]*)(?:\((.*)\))?$/s.exec(text.trim());
  const tool = m?.[1];
  if (tool === undefined) return null;
  const spec = m?.[2];
  if (spec === undefined) return { text, tool, spec: null };
  let body = spec;
  let tail = '';
  if (body.endsWith(':*')) {
    body = body.slice(0, -2);
    tail = '(?: .*)?';
  } else if (body.endsWith(' *')) {
    body = body.slice(0, -2);
    tail = '(?: .*)?';
  }
  const re = escape(body).replace(/\*/g, '.*');
  return { text, tool, spec: new RegExp(`^${re}${tail}$`, 's') };
}

/** Compiles the tier's rules once per policy. */
export function tierRules(rules: { ask: readonly string[]; deny: readonly string[] } | undefined): TierRules {
  const build = (xs: readonly string[]): Rule[] => xs.map(compileRule).filter((r): r is Rule => r !== null);
  return { ask: build(rules?.ask ?? []), deny: build(rules?.deny ?? []) };
}

/**
 * The strictest tier rule for a tool call: `subjects` are the normalised Bash commands (or nothing for a
 * tool without a specifier we match). Path rules (Read/Edit) are handled by the path checks instead.
 */
export function strictestRule(
  rules: TierRules,
  tool: string,
  subjects: readonly string[],
): { decision: HookVerdict; rule: string } | null {
  const find = (list: Rule[]): Rule | undefined =>
    list.find((r) => {
      if (r.tool !== tool && !(r.tool.startsWith('mcp__') && tool.startsWith(`${r.tool}__`))) return false;
      if (r.spec === null) return true;
      if (tool !== 'Bash') return false;
      return subjects.some((s) => r.spec?.test(s) === true);
    });
  const deny = find(rules.deny);
  if (deny) return { decision: 'deny', rule: deny.text };
  const ask = find(rules.ask);
  return ask ? { decision: 'ask', rule: ask.text } : null;
}
