import { parseCidr } from '../../common/address.js';
import type { Cidr } from '../../common/address.js';
import { compilePatterns, normalisePattern } from './patterns.js';
import type { HostPatterns } from './patterns.js';
import type { EgressPolicy } from './types.js';

/** An EgressPolicy checked and prepared for fast decisions; build it with compileEgressPolicy. */
export interface CompiledEgressPolicy {
  source: EgressPolicy;
  mode: EgressPolicy['mode'];
  allow: HostPatterns;
  deny: HostPatterns;
  ports: ReadonlySet<number>;
  allowCidrs: readonly Cidr[];
  /** Defaults applied: see EgressPolicy. */
  tlsPorts: ReadonlySet<number>;
  rawTunnelPorts: ReadonlySet<number>;
  allowMissingSni: boolean;
  headersTimeoutMs: number;
  policyVersion: string;
}

/** Defaults of the optional gate settings (EgressPolicy says what each does). */
export const TUNNEL_DEFAULTS = { tlsPorts: [443], headersTimeoutMs: 10_000 } as const;

/**
 * A policy that cannot be enforced as written; `problems` names every bad field, one per line.
 * Why not CcboxError: this module is copied into the gate image alone; src/policy/compile wraps it.
 */
export class EgressPolicyError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`invalid egress policy: ${problems.join('; ')}`);
    this.name = 'EgressPolicyError';
    this.problems = problems;
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const isStringArray = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((item) => typeof item === 'string');
const isPositiveInt = (value: unknown): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value > 0;

/**
 * Checks the shape of a policy read from a file (the gate has no zod). Why fatal: a gate that falls back
 * to defaults on a broken file would enforce something nobody wrote. Throws EgressPolicyError.
 */
export function parseEgressPolicy(value: unknown): EgressPolicy {
  const problems: string[] = [];
  if (!isRecord(value)) throw new EgressPolicyError(['policy is not a JSON object']);
  if (value.mode !== 'enforce' && value.mode !== 'report')
    problems.push('mode must be "enforce" or "report"');
  for (const key of ['allowHosts', 'denyHosts', 'allowCidrs'] as const) {
    if (!isStringArray(value[key])) problems.push(`${key} must be an array of strings`);
  }
  const ports = value.ports;
  if (!Array.isArray(ports) || !ports.every((p) => isPositiveInt(p) && p <= 65535)) {
    problems.push('ports must be an array of integers 1-65535');
  }
  for (const key of ['maxTunnels', 'connectTimeoutMs', 'idleTimeoutMs'] as const) {
    if (!isPositiveInt(value[key])) problems.push(`${key} must be a positive integer`);
  }
  for (const key of ['tlsPorts', 'rawTunnelPorts'] as const) {
    const list = value[key];
    if (list !== undefined && (!Array.isArray(list) || !list.every((p) => isPositiveInt(p) && p <= 65535)))
      problems.push(`${key} must be an array of integers 1-65535`);
  }
  if (value.allowMissingSni !== undefined && typeof value.allowMissingSni !== 'boolean')
    problems.push('allowMissingSni must be true or false');
  if (value.headersTimeoutMs !== undefined && !isPositiveInt(value.headersTimeoutMs))
    problems.push('headersTimeoutMs must be a positive integer');
  if (typeof value.policyVersion !== 'string') problems.push('policyVersion must be a string');
  const known = new Set([
    'mode',
    'allowHosts',
    'denyHosts',
    'ports',
    'allowCidrs',
    'maxTunnels',
    'connectTimeoutMs',
    'idleTimeoutMs',
    'tlsPorts',
    'rawTunnelPorts',
    'allowMissingSni',
    'headersTimeoutMs',
    'policyVersion',
  ]);
  for (const key of Object.keys(value)) if (!known.has(key)) problems.push(`unknown field ${key}`);
  if (problems.length > 0) throw new EgressPolicyError(problems);
  return value as unknown as EgressPolicy;
}

/** Validates and compiles a policy; throws EgressPolicyError naming every bad pattern or range. */
export function compileEgressPolicy(policy: EgressPolicy): CompiledEgressPolicy {
  const problems: string[] = [];
  const patterns = (key: 'allowHosts' | 'denyHosts'): string[] =>
    policy[key].flatMap((raw, i) => {
      const result = normalisePattern(raw);
      if ('problem' in result) {
        problems.push(`${key}[${i}] ${result.problem}`);
        return [];
      }
      return [result.pattern];
    });
  const allow = patterns('allowHosts');
  const deny = patterns('denyHosts');
  const allowCidrs = policy.allowCidrs.flatMap((raw, i) => {
    const cidr = parseCidr(raw);
    if (cidr === null) problems.push(`allowCidrs[${i}] "${raw}" is not an address range like 10.20.0.0/16`);
    return cidr === null ? [] : [cidr];
  });
  for (const port of policy.ports) {
    if (!Number.isInteger(port) || port < 1 || port > 65535) problems.push(`ports: ${port} is not a port`);
  }
  if (problems.length > 0) throw new EgressPolicyError(problems);
  return {
    source: policy,
    mode: policy.mode,
    allow: compilePatterns(allow),
    deny: compilePatterns(deny),
    ports: new Set(policy.ports),
    allowCidrs,
    tlsPorts: new Set(policy.tlsPorts ?? TUNNEL_DEFAULTS.tlsPorts),
    rawTunnelPorts: new Set(policy.rawTunnelPorts ?? []),
    allowMissingSni: policy.allowMissingSni ?? false,
    headersTimeoutMs: policy.headersTimeoutMs ?? TUNNEL_DEFAULTS.headersTimeoutMs,
    policyVersion: policy.policyVersion,
  };
}
