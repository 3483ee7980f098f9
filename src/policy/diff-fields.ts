import { canonicalJson } from '../common/canonical.js';
import type { SessionPlan } from './plan.js';
import { parseCidr } from '../common/address.js';
import { describeRange } from '../common/ranges.js';
import type { PolicyChange } from './diff.js';

// The set-valued fields `profiles diff` compares, and which way each one points: data, kept apart from
// the diff logic so the table reads as one list.

export type Area = PolicyChange['area'];
/** `restrictive`: entries restrict (removing one weakens). `permissive`: entries grant (adding one weakens). */
export type Direction = 'restrictive' | 'permissive' | 'neutral';

export interface SetField {
  area: Area;
  field: string;
  direction: Direction;
  get: (p: SessionPlan) => readonly unknown[];
}

export const render = (v: unknown): string => (typeof v === 'string' ? v : canonicalJson(v));

/** `169.254.169.254/32 (cloud metadata (AWS, …))`: what an opened range is, from the gate's own table. */
function nameRange(text: string): string {
  const cidr = parseCidr(text);
  return cidr === null ? text : `${cidr.text} (${describeRange(cidr).label})`;
}

export const SET_FIELDS: SetField[] = [
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
  {
    area: 'hooks',
    field: 'events',
    direction: 'restrictive',
    // An event or tool matcher the policy hook no longer sees is a hole (a dropped PreToolUse, say).
    get: (p) =>
      Object.entries(p.managedSettings.hooks).flatMap(([event, ms]) =>
        ms.map((m) => (m.matcher === undefined ? event : `${event}(${m.matcher})`)),
      ),
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
