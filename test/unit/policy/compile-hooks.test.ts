import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compile } from '../../../src/policy/compile/compile.js';
import { diffPlans } from '../../../src/policy/diff.js';
import {
  ALL_TOOLS_MATCHER,
  HOOK_ADAPTER,
  PINNED_TOOLS,
  hookFailureOf,
} from '../../../src/policy/compile/hooks.js';
import { loadProfile } from '../../../src/profile/load.js';
import { profileJsonSchema } from '../../../src/profile/json-schema.js';
import { BUILTINS, loadOptions, writeProfiles } from '../profile/helpers.js';

const plan = (ref: string, cwd?: string) => compile(loadProfile(ref, loadOptions(cwd)).profile);

/** Claude Code's matcher rule: `*`, empty or only [A-Za-z0-9_|] is an exact list; else an unanchored RegExp. */
function matches(matcher: string, tool: string): boolean {
  if (matcher === '*' || matcher === '') return true;
  if (/^[A-Za-z0-9_|]+$/.test(matcher)) return matcher.split('|').includes(tool);
  return new RegExp(matcher).test(tool);
}

const EVENTS = [
  'PreToolUse',
  'PostToolUse',
  'PostToolUseFailure',
  'PermissionRequest',
  'SessionStart',
  'SessionEnd',
  'ConfigChange',
];

describe('the compiled policy hook (managed settings)', () => {
  it.each(BUILTINS)('%s: registers the adapter, fail-closed, on every event with a timeout', (tier) => {
    const s = plan(tier).managedSettings;
    expect(s.allowManagedHooksOnly).toBe(true);
    expect(Object.keys(s.hooks).sort()).toEqual([...EVENTS].sort());
    for (const [event, groups] of Object.entries(s.hooks))
      for (const g of groups)
        for (const h of g.hooks) {
          expect(h.type).toBe('command');
          const [cmd, failure, wait] = h.command.split(' ');
          expect(cmd).toBe(HOOK_ADAPTER);
          expect(failure, `${tier} ${event}`).toBe('fail-closed');
          // The adapter gives up before Claude Code does: a timed-out command hook lets the call proceed.
          expect(Number(wait)).toBeLessThan(h.timeout);
        }
  });

  it('hooks every tool of the pinned version, MCP tools and ones it does not know yet', () => {
    const pre = plan('low-risk').managedSettings.hooks.PreToolUse ?? [];
    const hooked = (tool: string) => pre.some((g) => matches(g.matcher ?? '', tool));
    const guide = ['Bash', 'Read', 'Edit', 'Write', 'MultiEdit', 'NotebookEdit', 'WebFetch', 'WebSearch'];
    for (const tool of [...PINNED_TOOLS, ...guide, 'Glob', 'Grep', 'mcp__github__create_issue', 'Future'])
      expect(hooked(tool), tool).toBe(true);
    expect(pre.map((g) => g.matcher)).toEqual([ALL_TOOLS_MATCHER]);
  });

  it('a profile that extends a tier with hooks.failure: fail-open gets fail-open hooks', () => {
    const dir = writeProfiles({
      'open.yaml': 'name: open\nextends: ci-headless\nhooks:\n  failure: fail-open\n',
    });
    const s = plan(path.join(dir, 'open.yaml'), dir).managedSettings;
    const commands = Object.values(s.hooks).flatMap((g) => g.flatMap((x) => x.hooks.map((h) => h.command)));
    expect(commands.length).toBe(EVENTS.length);
    for (const c of commands) expect(c).toMatch(/ccbox-hook fail-open \d$/);
    expect(plan(path.join(dir, 'open.yaml'), dir).policyVersion).not.toBe(plan('ci-headless').policyVersion);
  });

  it('profiles diff marks fail-closed to fail-open, and a hook event dropped, as weakenings', () => {
    const dir = writeProfiles({
      'open.yaml': 'name: open\nextends: ci-headless\nhooks:\n  failure: fail-open\n',
    });
    const closed = plan('ci-headless');
    const open = plan(path.join(dir, 'open.yaml'), dir);
    expect(hookFailureOf(closed.managedSettings.hooks)).toBe('fail-closed');
    expect(hookFailureOf(open.managedSettings.hooks)).toBe('fail-open');
    const weaker = diffPlans(closed, open);
    expect(weaker.weakens).toBe(true);
    expect(weaker.changes).toContainEqual(
      expect.objectContaining({ area: 'hooks', field: 'failure', before: 'fail-closed', weakens: true }),
    );
    // The other way round is a strengthening, and no hook event changed.
    const stronger = diffPlans(open, closed);
    expect(stronger.changes.filter((c) => c.area === 'hooks')).toEqual([
      expect.objectContaining({ field: 'failure', after: 'fail-closed', weakens: false }),
    ]);
    // A registration without PreToolUse (a hand-edited plan) is a removed event, and a weakening.
    const rest = { ...closed.managedSettings.hooks };
    delete rest.PreToolUse;
    const holed = { ...closed, managedSettings: { ...closed.managedSettings, hooks: rest } };
    expect(diffPlans(closed, holed).changes).toContainEqual(
      expect.objectContaining({ field: 'events', kind: 'removed', before: 'PreToolUse(*)', weakens: true }),
    );
  });

  it('documents hooks.failure in the JSON Schema', () => {
    const text = JSON.stringify(profileJsonSchema());
    expect(text).toContain('"fail-closed","fail-open"');
    expect(text).toMatch(/policy hook cannot get a decision from the gate/);
  });

  it('rejects an unknown failure mode', () => {
    const dir = writeProfiles({ 'bad.yaml': 'name: bad\nhooks:\n  failure: sometimes\n' });
    expect(() => plan(path.join(dir, 'bad.yaml'), dir)).toThrow();
  });
});
