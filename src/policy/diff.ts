import { canonicalJson } from './canonical.js';
import type { SessionPlan } from './plan.js';
import { parseCidr } from './egress/address.js';
import { describeRange } from './egress/ranges.js';

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

type Area = PolicyChange['area'];
/** `restrictive`: entries restrict (removing one weakens). `permissive`: entries grant (adding one weakens). */
type Direction = 'restrictive' | 'permissive' | 'neutral';

interface SetField {
  area: Area;
  field: string;
  direction: Direction;
  get: (p: SessionPlan) => readonly unknown[];
}

const render = (v: unknown): string => (typeof v === 'string' ? v : canonicalJson(v));

/** `169.254.169.254/32 (cloud metadata (AWS, …))`: what an opened range is, from the gate's own table. */
function nameRange(text: string): string {
  const cidr = parseCidr(text);
  return cidr === null ? text : `${cidr.text} (${describeRange(cidr).label})`;
}

const SET_FIELDS: SetField[] = [
  {
    area: 'settings',
    field: 'permissions.deny',
    direction: 'restrictive',
    get: (p) => p.managedSettings.permissions.deny,
  },
  {
    area: 'settings',
    field: 'permissions.ask',
    direction: 'restrictive',
    get: (p) => p.managedSettings.permissions.ask,
  },
  {
    area: 'settings',
    field: 'permissions.allow',
    direction: 'permissive',
    get: (p) => p.managedSettings.permissions.allow,
  },
  {
    area: 'settings',
    field: 'allowedMcpServers',
    direction: 'permissive',
    get: (p) => p.managedSettings.allowedMcpServers,
  },
  {
    area: 'settings',
    field: 'deniedMcpServers',
    direction: 'restrictive',
    get: (p) => p.managedSettings.deniedMcpServers,
  },
  {
    area: 'settings',
    field: 'strictKnownMarketplaces',
    direction: 'permissive',
    get: (p) => p.managedSettings.strictKnownMarketplaces,
  },
  {
    area: 'settings',
    field: 'allowedHttpHookUrls',
    direction: 'permissive',
    get: (p) => p.managedSettings.allowedHttpHookUrls,
  },
  {
    area: 'settings',
    field: 'httpHookAllowedEnvVars',
    direction: 'permissive',
    get: (p) => p.managedSettings.httpHookAllowedEnvVars,
  },
  {
    area: 'settings',
    field: 'env',
    direction: 'neutral',
    get: (p) => Object.entries(p.managedSettings.env).map(([k, v]) => `${k}=${v}`),
  },
  {
    area: 'mcp',
    field: 'mcpServers',
    direction: 'permissive',
    get: (p) => Object.entries(p.managedMcp.mcpServers).map(([k, v]) => `${k}: ${canonicalJson(v)}`),
  },
  {
    area: 'hooks',
    field: 'protectedPaths',
    direction: 'restrictive',
    get: (p) => p.hookPolicy.protectedPaths,
  },
  { area: 'hooks', field: 'secretPaths', direction: 'restrictive', get: (p) => p.hookPolicy.secretPaths },
  { area: 'egress', field: 'allowHosts', direction: 'permissive', get: (p) => p.egress.allowHosts },
  { area: 'egress', field: 'denyHosts', direction: 'restrictive', get: (p) => p.egress.denyHosts },
  { area: 'egress', field: 'ports', direction: 'permissive', get: (p) => p.egress.ports },
  {
    area: 'egress',
    field: 'allowCidrs',
    direction: 'permissive',
    get: (p) => p.egress.allowCidrs.map(nameRange),
  },
  {
    area: 'container',
    field: 'readOnlyPaths',
    direction: 'restrictive',
    get: (p) => p.container.readOnlyPaths,
  },
  { area: 'container', field: 'maskedPaths', direction: 'restrictive', get: (p) => p.container.maskedPaths },
  {
    area: 'container',
    field: 'trackedSecrets',
    direction: 'restrictive',
    // A set of one: `refuse` dropping out (becoming `warn`) is the weakening.
    get: (p) => (p.container.trackedSecrets.policy === 'refuse' ? ['refuse'] : []),
  },
  {
    area: 'container',
    field: 'trackedSecretsAllowed',
    direction: 'permissive',
    get: (p) => p.container.trackedSecrets.allowed,
  },
  { area: 'container', field: 'passEnv', direction: 'permissive', get: (p) => p.container.passEnv },
  { area: 'container', field: 'mounts', direction: 'permissive', get: (p) => p.container.mounts },
  { area: 'image', field: 'packages', direction: 'neutral', get: (p) => p.image.packages },
];

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
