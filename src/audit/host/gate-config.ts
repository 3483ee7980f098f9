import { randomBytes } from 'node:crypto';
import type { GateAuditConfig, AuditContext } from '../config.js';
import { digestSecrets } from '../secret-digest.js';
import { readSecretValues } from './secret-files.js';

/**
 * The gate's audit config for a session: its context, and the salted digests of the values in the
 * worktree's secret files (never the values: secret-digest.ts says why).
 */
export function gateAuditConfig(req: {
  context: AuditContext;
  worktreeRoot: string;
  secretPaths: readonly string[];
  otlpEndpoint?: string | undefined;
  /** Credentials the host read for the session (model key, tokens): redacted wherever they show up. */
  values?: readonly string[];
}): GateAuditConfig {
  const salt = randomBytes(16).toString('hex');
  return {
    context: req.context,
    secrets: digestSecrets(
      [...readSecretValues(req.worktreeRoot, req.secretPaths), ...(req.values ?? [])],
      salt,
    ),
    ...(req.otlpEndpoint !== undefined ? { otlp: { endpoint: req.otlpEndpoint } } : {}),
  };
}
