import type { SecretDigests } from './secret-digest.js';

/** Who ran the session on what: known on the host at start, stamped by the gate on every event. */
export interface AuditContext {
  user?: string | undefined;
  repository?: string | undefined;
  branch?: string | undefined;
  commit?: string | undefined;
}

/**
 * What the host hands the gate for its audit log, as a file only the gate mounts (read-only). Why a
 * file and not the environment: the digests can be many, and the engine shows a container's
 * environment to anyone who may inspect it.
 */
export interface GateAuditConfig {
  context: AuditContext;
  secrets: SecretDigests;
  /** The collector the gate exports events to (and relays Claude Code's telemetry to), if any. */
  otlp?: { endpoint: string } | undefined;
}

/** The file's name in the session folder, and where the gate finds it. */
export const AUDIT_CONFIG_FILE = 'audit-config.json';
export const AUDIT_CONFIG_IN_GATE = '/etc/ccbox/audit-config.json';

const HEX = /^[0-9a-f]+$/;
const optionalString = (v: unknown): v is string | undefined => v === undefined || typeof v === 'string';

/**
 * Checks a config read from disk. Why strict: a gate that stamps or redacts with half a config would
 * write a log that looks complete; it refuses to start instead. Messages name the field, never a value.
 */
export function parseGateAuditConfig(value: unknown): GateAuditConfig {
  const problems: string[] = [];
  const v = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  const context = (typeof v.context === 'object' && v.context !== null ? v.context : {}) as Record<
    string,
    unknown
  >;
  for (const key of ['user', 'repository', 'branch', 'commit'])
    if (!optionalString(context[key])) problems.push(`context.${key} is not a string`);
  const secrets = (typeof v.secrets === 'object' && v.secrets !== null ? v.secrets : {}) as Record<
    string,
    unknown
  >;
  if (typeof secrets.salt !== 'string' || secrets.salt.length < 32 || !HEX.test(secrets.salt))
    problems.push('secrets.salt is not at least 16 bytes of hex');
  const digests = secrets.digests;
  if (!Array.isArray(digests) || !digests.every((d) => typeof d === 'string' && HEX.test(d)))
    problems.push('secrets.digests is not a list of hex digests');
  const otlp = v.otlp as Record<string, unknown> | undefined;
  let endpoint: string | undefined;
  if (otlp !== undefined) {
    endpoint = typeof otlp.endpoint === 'string' ? otlp.endpoint : undefined;
    if (endpoint === undefined || !URL.canParse(endpoint) || !/^https?:$/.test(new URL(endpoint).protocol))
      problems.push('otlp.endpoint is not an http(s) URL');
  }
  if (problems.length > 0) throw new Error(`audit config: ${problems.join('; ')}`);
  return {
    context: {
      user: context.user as string | undefined,
      repository: context.repository as string | undefined,
      branch: context.branch as string | undefined,
      commit: context.commit as string | undefined,
    },
    secrets: { salt: secrets.salt as string, digests: [...(digests as string[])] },
    ...(endpoint !== undefined ? { otlp: { endpoint } } : {}),
  };
}
