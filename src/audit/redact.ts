import type { AuditEvent } from './event.js';
import { digestRedactor, type SecretDigests } from './secret-digest.js';

/**
 * Token and key shapes that are redacted wherever they appear. Why by shape: a credential the agent
 * found (or was handed) must not reach a log that outlives the session, whatever the tier's secret
 * files hold. Each replacement names the kind, never any part of the value.
 */
const SHAPES: ReadonlyArray<{ kind: string; re: RegExp; keep?: number }> = [
  // PEM private keys, also a block cut short by a length limit.
  {
    kind: 'private-key',
    re: /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|$)/g,
  },
  { kind: 'anthropic-key', re: /\bsk-ant-[A-Za-z0-9_-]{8,}/g },
  { kind: 'github-token', re: /\bgh[pousr]_[A-Za-z0-9]{20,}/g },
  { kind: 'github-token', re: /\bgithub_pat_[A-Za-z0-9_]{20,}/g },
  { kind: 'aws-access-key', re: /\b(?:AKIA|ASIA|AGPA|AIDA|AROA)[A-Z0-9]{16}\b/g },
  { kind: 'npm-token', re: /\bnpm_[A-Za-z0-9]{36}\b/g },
  { kind: 'jwt', re: /\beyJ[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]{6,}/g },
  // Group 1 is kept: the scheme and `://`, or the name that says what follows is a secret.
  { kind: 'url-credentials', re: /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/:@'"]+:[^\s/@'"]+(?=@)/gi, keep: 1 },
  {
    kind: 'aws-secret-key',
    re: /((?:aws_?secret_?access_?key|aws_?secret|secret_?access_?key)["']?\s*[=:]\s*["']?)[A-Za-z0-9/+=]{40}/gi,
    keep: 1,
  },
  {
    kind: 'credential',
    re: /((?:authorization|proxy-authorization)\s*:\s*(?:bearer|basic|token)\s+)[^\s"']+/gi,
    keep: 1,
  },
  {
    kind: 'credential',
    re: /((?:x-api-key|api[_-]?key|token|password|passwd|secret)\s*[=:]\s*["']?)[^\s"'&]{8,}/gi,
    keep: 1,
  },
];

/** What the sink redacts with: the shapes above always, and the tier's secret values when handed any. */
export interface Redactor {
  (text: string): string;
}

/** A redactor over the fixed shapes plus the digests of the session's secret values (secret-digest.ts). */
export function createRedactor(secrets?: SecretDigests): Redactor {
  const byDigest = secrets !== undefined && secrets.digests.length > 0 ? digestRedactor(secrets) : undefined;
  return (text: string): string => {
    let out = text;
    for (const { kind, re, keep } of SHAPES)
      out = out.replace(re, (...m: unknown[]) => `${keep ? String(m[keep]) : ''}[REDACTED:${kind}]`);
    return byDigest !== undefined ? byDigest(out) : out;
  };
}

// Fields whose values the gate itself chose from a closed set: nothing to redact there.
const FIXED = new Set([
  'type',
  'session',
  'time',
  'provenance',
  'source',
  'decision',
  'policyVersion',
  'mode',
]);

/** The event with every free-text field redacted. Why every field: any of them can carry agent input. */
export function redactEvent(event: AuditEvent, redact: Redactor): AuditEvent {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(event))
    out[key] = typeof value === 'string' && !FIXED.has(key) ? redact(value) : value;
  return out as unknown as AuditEvent;
}
