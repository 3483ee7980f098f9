import { canonicalJson } from '../common/canonical.js';
import type { SessionPlan } from './plan.js';
import { render, SET_FIELDS, type Area, type SetField } from './diff-fields.js';
import { hookFailureOf } from './compile/hooks.js';

/** One difference between what two profiles compile to. */
export interface PolicyChange {
  area: 'settings' | 'mcp' | 'hooks' | 'egress' | 'container' | 'credentials' | 'image';
  field: string;
  kind: 'added' | 'removed' | 'changed';
  before?: string;
  after?: string;
  /** True when NEW allows something OLD did not: the change needs a security review. */
  weakens: boolean;
}

export interface PolicyDiff {
  oldVersion: string;
  newVersion: string;
  changes: PolicyChange[];
  weakens: boolean;
}

/** Environment entries whose appearance turns on content logging (a privacy weakening). */
const CONTENT_LOGGING =
  /^OTEL_LOG_(TOOL_DETAILS|USER_PROMPTS|TOOL_CONTENT|RAW_API_BODIES|ASSISTANT_RESPONSES)=/;

function diffSets(f: SetField, a: SessionPlan, b: SessionPlan, out: PolicyChange[]): void {
  const before = new Map(f.get(a).map((v) => [render(v), v]));
  const after = new Map(f.get(b).map((v) => [render(v), v]));
  for (const key of before.keys()) {
    if (after.has(key)) continue;
    // Why: an ask rule that became a deny rule is a tightening, not a removal.
    const promoted = f.field === 'permissions.ask' && b.managedSettings.permissions.deny.includes(key);
    out.push({
      area: f.area,
      field: f.field,
      kind: 'removed',
      before: key,
      weakens: f.direction === 'restrictive' && !promoted,
    });
  }
  for (const key of after.keys()) {
    if (!before.has(key)) {
      const weakens = f.direction === 'permissive' || (f.field === 'env' && CONTENT_LOGGING.test(key));
      out.push({ area: f.area, field: f.field, kind: 'added', after: key, weakens });
    }
  }
}

// Why this order: plan does nothing without approval, dontAsk refuses whatever is not allowed, default
// prompts, acceptEdits lets edits through, bypassPermissions lets everything through.
const MODE_RANK: Record<string, number> = {
  plan: 0,
  dontAsk: 1,
  default: 2,
  acceptEdits: 3,
  bypassPermissions: 4,
};

const LOCKS = [
  'allowManagedPermissionRulesOnly',
  'allowManagedHooksOnly',
  'allowManagedMcpServersOnly',
  'disableSideloadFlags',
] as const;

function scalar(
  out: PolicyChange[],
  area: Area,
  field: string,
  before: unknown,
  after: unknown,
  weakens: boolean,
): void {
  if (canonicalJson(before) === canonicalJson(after)) return;
  out.push({
    area,
    field,
    kind: 'changed',
    before: before === undefined ? '(unset)' : render(before),
    after: after === undefined ? '(unset)' : render(after),
    weakens,
  });
}

function diffFamilies(a: SessionPlan, b: SessionPlan, out: PolicyChange[]): void {
  const rank = { allow: 0, ask: 1, deny: 2 } as const;
  const after = new Map(b.hookPolicy.families.map((f) => [f.name, f]));
  for (const old of a.hookPolicy.families) {
    const now = after.get(old.name);
    const field = `families.${old.name}`;
    if (!now) {
      out.push({
        area: 'hooks',
        field,
        kind: 'removed',
        before: old.decision,
        weakens: old.decision !== 'allow',
      });
      continue;
    }
    scalar(
      out,
      'hooks',
      `${field}.decision`,
      old.decision,
      now.decision,
      rank[now.decision] < rank[old.decision],
    );
    for (const c of old.commands) {
      if (!now.commands.includes(c))
        out.push({
          area: 'hooks',
          field: `${field}.commands`,
          kind: 'removed',
          before: c,
          weakens: old.decision !== 'allow',
        });
    }
    for (const c of now.commands) {
      if (!old.commands.includes(c))
        out.push({
          area: 'hooks',
          field: `${field}.commands`,
          kind: 'added',
          after: c,
          weakens: now.decision === 'allow',
        });
    }
  }
  const before = new Set(a.hookPolicy.families.map((f) => f.name));
  for (const f of b.hookPolicy.families) {
    if (!before.has(f.name))
      out.push({
        area: 'hooks',
        field: `families.${f.name}`,
        kind: 'added',
        after: `${f.decision}: ${f.commands.join(', ')}`,
        weakens: f.decision === 'allow',
      });
  }
}

/** What changes from OLD to NEW, with every weakening marked. Pure. */
export function diffPlans(a: SessionPlan, b: SessionPlan): PolicyDiff {
  const out: PolicyChange[] = [];
  const sa = a.managedSettings;
  const sb = b.managedSettings;
  scalar(
    out,
    'settings',
    'permissions.defaultMode',
    sa.permissions.defaultMode,
    sb.permissions.defaultMode,
    (MODE_RANK[sb.permissions.defaultMode] ?? 9) > (MODE_RANK[sa.permissions.defaultMode] ?? 9),
  );
  scalar(
    out,
    'settings',
    'permissions.disableBypassPermissionsMode',
    sa.permissions.disableBypassPermissionsMode,
    sb.permissions.disableBypassPermissionsMode,
    sb.permissions.disableBypassPermissionsMode === undefined,
  );
  for (const lock of LOCKS) scalar(out, 'settings', lock, sa[lock], sb[lock], sb[lock] === undefined);
  for (const f of SET_FIELDS) diffSets(f, a, b, out);
  diffFamilies(a, b, out);
  // Why its own line: fail-open runs the tool call when the policy hook cannot answer, which is a
  // weakening as real as a dropped deny rule, and a profile can switch it with one word.
  const fa = hookFailureOf(sa.hooks);
  const fb = hookFailureOf(sb.hooks);
  scalar(out, 'hooks', 'failure', fa, fb, fa === 'fail-closed' && fb !== 'fail-closed');
  scalar(out, 'egress', 'mode', a.egress.mode, b.egress.mode, b.egress.mode === 'report');
  scalar(out, 'egress', 'maxTunnels', a.egress.maxTunnels, b.egress.maxTunnels, false);
  const ra = a.container.resources;
  const rb = b.container.resources;
  for (const key of Object.keys(ra) as Array<keyof typeof ra>)
    scalar(out, 'container', `resources.${key}`, ra[key], rb[key], false);
  scalar(out, 'credentials', 'model', a.credentials.model, b.credentials.model, false);
  scalar(
    out,
    'credentials',
    'ttlMinutes',
    a.credentials.ttlMinutes,
    b.credentials.ttlMinutes,
    b.credentials.ttlMinutes > a.credentials.ttlMinutes,
  );
  scalar(out, 'image', 'claudeCodeVersion', a.image.claudeCodeVersion, b.image.claudeCodeVersion, false);
  return {
    oldVersion: a.policyVersion,
    newVersion: b.policyVersion,
    changes: out,
    weakens: out.some((c) => c.weakens),
  };
}
