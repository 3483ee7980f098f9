import type { ProfileFile } from './schema.js';
import { warning, type RawIssue } from './raw-issue.js';
import { renderFound } from './issues.js';
import { familyRules, protectedRule, secretRules } from '../common/permission-rules.js';

/**
 * Rules that can never take effect: an allow that a deny or ask rule beats, an ask that a deny beats.
 * Why warn: a reviewer reads the allow list as what runs without a prompt; an entry that does nothing
 * there misleads, and usually means the author meant something else. `validate --strict` refuses them.
 */

/** `Tool(spec)` → [tool, spec]; a bare `Tool` has spec undefined (it matches every call). */
type Split = readonly [tool: string, spec: string | undefined];
function split(rule: string): Split {
  const open = rule.indexOf('(');
  if (open === -1 || !rule.endsWith(')')) return [rule, undefined];
  return [rule.slice(0, open), rule.slice(open + 1, -1).replace(/:\*$/, ' *')];
}

/**
 * A test for "every call `rule` matches is also matched by `pattern`". Sound for Claude Code's `*` (any
 * text): the pattern must match the rule's text with the rule's own `*` read as literal characters.
 * Compiled once per pattern: a tier has hundreds of deny and ask rules.
 */
export function coverTest(pattern: string): (rule: Split) => boolean {
  const [pTool, pSpec] = split(pattern);
  if (pSpec === undefined || pSpec === '*') return ([rTool]) => rTool === pTool;
  const prefix = pSpec.slice(0, pSpec.indexOf('*') === -1 ? undefined : pSpec.indexOf('*'));
  let re: RegExp | undefined; // built on first use: most patterns fail the tool or prefix test
  return ([rTool, rSpec]) => {
    if (rTool !== pTool || rSpec === undefined || !rSpec.startsWith(prefix)) return false;
    re ??= new RegExp(`^${pSpec.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[\\s\\S]*')}$`);
    return re.test(rSpec);
  };
}

/** Whether `pattern` covers every call `rule` matches (see coverTest). */
export const covers = (pattern: string, rule: string): boolean => coverTest(pattern)(split(rule));

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
  const rules = layer.permissions;
  if (!rules?.allow?.length && !rules?.ask?.length) return issues;
  const check = (list: 'allow' | 'ask', beaters: string[], skip: string[], what: string) => {
    const tests = [...new Set(beaters)].map((b) => ({ rule: b, test: coverTest(b) }));
    (rules?.[list] ?? []).forEach((rule, i) => {
      if (rule.startsWith('!') || skip.includes(rule)) return;
      const parts = split(rule);
      const by = tests.find((b) => b.test(parts))?.rule;
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
