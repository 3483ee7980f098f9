import os from 'node:os';
import type { GateAuditConfig } from '../audit/config.js';
import { gateAuditConfig } from '../audit/host/gate-config.js';
import type { SessionPlan } from '../policy/plan.js';
import type { PreparedWorkspace } from '../workspace/workspace.js';

/**
 * The gate's audit config for this session: who runs it on what (stamped on every event), and the
 * digests of the values in the secret files the mount plan masked.
 */
export function sessionAuditConfig(
  workspace: PreparedWorkspace,
  plan: SessionPlan,
  values: readonly string[] = [],
): GateAuditConfig {
  return gateAuditConfig({
    context: {
      user: os.userInfo().username,
      repository: workspace.worktree.repository,
      branch: workspace.clone?.branch ?? workspace.start.branch,
      commit: workspace.start.commit,
    },
    worktreeRoot: workspace.worktree.root,
    secretPaths: workspace.plan.masked,
    otlpEndpoint: plan.audit?.otlpEndpoint,
    values,
  });
}
