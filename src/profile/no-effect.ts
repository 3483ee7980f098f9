import type { ProfileFile } from './schema.js';
import { warning, type RawIssue } from './raw-issue.js';
import { renderFound } from './issues.js';
import { familyRules, protectedRule, secretRules } from '../policy/compile/permissions.js';

/**
 * Rules that can never take effect: an allow that a deny or ask rule beats, an ask that a deny beats.
 * Why warn: a reviewer reads the allow list as what runs without a prompt; an entry that does nothing
 * there misleads, and usually means the author meant something else. `validate --strict` refuses them.
 */

/** `Tool(spec)` → [tool, spec]; a bare `Tool` has spec undefined (it matches every call). */
function split(rule: string): [string, string | undefined] {
  const open = rule.indexOf('(');
  if (open === -1 || !rule.endsWith(')')) return [rule, undefined];
  return [rule.slice(0, open), rule.slice(open + 1, -1).replace(/:\*$/, ' *')];
}

/**
 * Whether every call `rule` matches is also matched by `pattern`. Sound for Claude Code's `*` (any
 * text): the pattern must match the rule's text with the rule's own `*` read as literal characters.
 */
export function covers(pattern: string, rule: string): boolean {
  const [pTool, pSpec] = split(pattern);
  const [rTool, rSpec] = split(rule);
  if (pTool !== rTool) return false;
  if (pSpec === undefined || pSpec === '*') return true;
  if (rSpec === undefined) return false;
  const escaped = pSpec.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[\\s\\S]*');
  return new RegExp(`^${escaped}$`).test(rSpec);
}

/** The deny and ask rules a merged profile compiles to (its own lists, secret and protected paths, families). */
function restricting(p: ProfileFile): { deny: string[]; ask: string[] } {
  const families = p.bash?.families ?? [];
  const of = (decision: 'deny' | 'ask') =>
    families.filter((f) => f.decision === decision).flatMap((f) => f.commands.flatMap(familyRules));
  // Why skip excepted rules: an exception moves its rule out of deny/ask, so it shadows nothing.
  const excepted = new Set((p.exceptions ?? []).map((e) => e.rule));
  const keep = (rules: string[]) => rules.filter((r) => !excepted.has(r));
  return {
    deny: keep([
      ...(p.permissions?.deny ?? []),
      ...(p.paths?.secrets ?? []).flatMap(secretRules),
      ...of('deny'),
    ]),
    ask: keep([
      ...(p.permissions?.ask ?? []),
      ...(p.paths?.protected ?? []).map(protectedRule),
      ...of('ask'),
    ]),
  };
}

/** Checks one layer's own allow and ask rules against everything restricting up to and including it. */
export function checkNoEffect(
  parent: ProfileFile | undefined,
  layer: ProfileFile,
  merged: ProfileFile,
): RawIssue[] {
  const issues: RawIssue[] = [];
  const { deny, ask } = restricting(merged);
  // Re-declaring a parent's rule in a weaker list is already an error (merge.ts); no second line for it.
  const parentDeny = parent?.permissions?.deny ?? [];
  const parentAsk = parent?.permissions?.ask ?? [];
  const check = (list: 'allow' | 'ask', beaters: string[], skip: string[], what: string) => {
    (layer.permissions?.[list] ?? []).forEach((rule, i) => {
      if (rule.startsWith('!') || skip.includes(rule)) return;
      const by = beaters.find((b) => covers(b, rule));
      if (by === undefined) return;
      issues.push(
        warning(['permissions', list, i], `has no effect: ${what} rule ${JSON.stringify(by)} beats it`, {
          found: renderFound(rule),
          allowed: 'remove it, or relax the other rule with an exceptions: entry',
        }),
      );
    });
  };
  check('allow', [...deny, ...ask], [...parentDeny, ...parentAsk], 'the deny or ask');
  check('ask', deny, parentDeny, 'the deny');
  return issues;
}
