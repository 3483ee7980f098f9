import { chownSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ContainerHandle, ContainerSpec, Ulimit } from '../engine/engine.js';
import { sessionLabels } from '../engine/engine.js';
import type { SessionPlan } from '../policy/plan.js';
import { CREDENTIAL_RELAY_PORT, HOOK_PORT, OTLP_RELAY_PORT, type HeaderCredential } from '../policy/plan.js';
import { gateHookPolicy } from '../policy/hook/gate-policy.js';
import { CcboxError } from '../errors.js';
import { AUDIT_LOG_FILE } from '../audit/event.js';
import { AUDIT_CONFIG_FILE, AUDIT_CONFIG_IN_GATE, type GateAuditConfig } from '../audit/config.js';
import { ExitCodes } from '../exit-codes.js';

export const GATE_PORT = 3128;
/** The model relay: the agent's ANTHROPIC_BASE_URL. */
export const RELAY_PORT = 3129;
export const GATE_ALIAS = 'gate';
const GATE_CA_FILE = '/etc/ccbox/extra-ca.crt';
/** Where the host's hand-over (model key, internal address) lands in the gate: its own tmpfs. */
export const GATE_CONTROL_FILE = '/tmp/ccbox-control.json';
const GATE_HOOK_POLICY = '/etc/ccbox/hook-policy.json';

/** Where a session keeps what the agent must never reach: the gate's policy and its audit log. */
export interface GateFiles {
  policyFile: string;
  /** The hook policy the gate's hook endpoint decides with (the agent's baked copy is not trusted). */
  hookPolicyFile: string;
  auditDir: string;
  /** The session context and secret digests the gate stamps and redacts its events with. */
  auditConfigFile: string;
}

/**
 * Writes the session's egress policy and audit config, and creates the audit folder (only the gate
 * mounts them). Why the config is 0600 and the gate's: it holds the salt of the secret digests.
 */
export function writeGateFiles(
  sessionDir: string,
  plan: SessionPlan,
  gateUser: { uid: number; gid: number },
  audit: GateAuditConfig,
): GateFiles {
  const auditDir = path.join(sessionDir, 'audit');
  mkdirSync(auditDir, { recursive: true, mode: 0o750 });
  const policyFile = path.join(sessionDir, 'egress-policy.json');
  writeFileSync(policyFile, `${JSON.stringify(plan.egress, null, 2)}\n`, { mode: 0o644 });
  const hookPolicyFile = path.join(sessionDir, 'hook-policy.json');
  writeFileSync(hookPolicyFile, `${JSON.stringify(gateHookPolicy(plan))}\n`, { mode: 0o644 });
  const auditConfigFile = path.join(sessionDir, AUDIT_CONFIG_FILE);
  writeFileSync(auditConfigFile, `${JSON.stringify(audit)}\n`, { mode: 0o600 });
  rmSync(path.join(auditDir, 'ready.json'), { force: true });
  if (process.getuid?.() === 0) {
    chownSync(auditDir, gateUser.uid, gateUser.gid);
    chownSync(auditConfigFile, gateUser.uid, gateUser.gid);
  }
  return { policyFile, hookPolicyFile, auditDir, auditConfigFile };
}

export interface GateSpecInput {
  session: string;
  plan: SessionPlan;
  image: string;
  internalNetwork: string;
  /** The network the gate reaches the world through (the engine's default bridge unless told). */
  outboundNetwork: string;
  files: GateFiles;
  user: { uid: number; gid: number };
  ulimits?: readonly Ulimit[];
  /** The model relay: its upstream, and how long the tokens it mints for the agent live. */
  relay: { upstream: string; tokenTtlSeconds: number };
  /** The extra CA bundle (a corporate TLS proxy): the relay's upstream is verified against it too. */
  caFile?: string | undefined;
}

/**
 * The gate container. It is the only container with a route out, so it is hardened like the agent
 * (non-root, no capabilities, read-only root) and holds nothing the agent can reach: its policy and
 * audit folder are host files mounted into it alone.
 */
export function gateContainerSpec(input: GateSpecInput): ContainerSpec {
  return {
    name: `ccbox-${input.session}-gate`,
    image: input.image,
    env: {
      CCBOX_SESSION: input.session,
      CCBOX_GATE_PORT: String(GATE_PORT),
      CCBOX_EGRESS_POLICY: '/etc/ccbox/egress-policy.json',
      CCBOX_AUDIT_LOG: `/var/log/ccbox/${AUDIT_LOG_FILE}`,
      CCBOX_AUDIT_CONFIG: AUDIT_CONFIG_IN_GATE,
      CCBOX_GATE_READY_FILE: '/var/log/ccbox/ready.json',
      CCBOX_RELAY_PORT: String(RELAY_PORT),
      CCBOX_OTLP_RELAY_PORT: String(OTLP_RELAY_PORT),
      CCBOX_CREDENTIAL_RELAY_PORT: String(CREDENTIAL_RELAY_PORT),
      CCBOX_HOOK_POLICY: GATE_HOOK_POLICY,
      CCBOX_HOOK_PORT: String(HOOK_PORT),
      CCBOX_MODEL_UPSTREAM: input.relay.upstream,
      CCBOX_TOKEN_TTL_SECONDS: String(input.relay.tokenTtlSeconds),
      // Invariant 2: the real key lives in the gate, and not in its Env either (docker inspect shows
      // that): the host hands it over after start, through this file on the gate's private tmpfs.
      CCBOX_GATE_CONTROL_FILE: GATE_CONTROL_FILE,
      ...(input.caFile !== undefined ? { NODE_EXTRA_CA_CERTS: GATE_CA_FILE } : {}),
    },
    user: `${input.user.uid}:${input.user.gid}`,
    labels: sessionLabels(input.session, 'gate', input.plan.policyVersion),
    mounts: [
      {
        type: 'bind',
        source: input.files.policyFile,
        target: '/etc/ccbox/egress-policy.json',
        readOnly: true,
      },
      { type: 'bind', source: input.files.auditConfigFile, target: AUDIT_CONFIG_IN_GATE, readOnly: true },
      { type: 'bind', source: input.files.hookPolicyFile, target: GATE_HOOK_POLICY, readOnly: true },
      { type: 'bind', source: input.files.auditDir, target: '/var/log/ccbox', readOnly: false },
      { type: 'tmpfs', target: '/tmp', options: { sizeBytes: 64 * 1024 * 1024 } },
      ...(input.caFile !== undefined
        ? [
            {
              type: 'bind' as const,
              source: path.resolve(input.caFile),
              target: GATE_CA_FILE,
              readOnly: true,
            },
          ]
        : []),
    ],
    readOnlyRootfs: true,
    capDrop: ['ALL'],
    securityOpt: ['no-new-privileges'],
    network: { name: input.outboundNetwork },
    extraNetworks: [{ name: input.internalNetwork, aliases: [GATE_ALIAS] }],
    resources: { memoryBytes: 512 * 1024 * 1024, pidsLimit: 256 },
    ...(input.ulimits ? { ulimits: input.ulimits } : {}),
    init: true,
    stopSignal: 'SIGTERM',
  };
}

export interface GateHealth {
  mode: string;
  allowedPatterns: number;
}

/**
 * Waits until the gate says it is ready (a file it writes into its audit folder once it listens).
 * Why: the agent starts only once its one way out is up; a gate that cannot start means no session,
 * with the gate's own words as the reason.
 */
export async function waitForGate(
  gate: ContainerHandle,
  files: GateFiles,
  timeoutMs = 15_000,
  signal?: AbortSignal,
): Promise<GateHealth> {
  const readyFile = path.join(files.auditDir, 'ready.json');
  const end = Date.now() + timeoutMs;
  let nextStateCheck = Date.now() + 500;
  for (;;) {
    signal?.throwIfAborted();
    if (existsSync(readyFile)) {
      try {
        const body = JSON.parse(readFileSync(readyFile, 'utf8')) as { mode?: unknown; allowHosts?: unknown };
        return {
          mode: typeof body.mode === 'string' ? body.mode : 'unknown',
          allowedPatterns: typeof body.allowHosts === 'number' ? body.allowHosts : 0,
        };
      } catch {
        // Being written: look again.
      }
    }
    if (Date.now() > end) break;
    if (Date.now() > nextStateCheck) {
      nextStateCheck = Date.now() + 500;
      if (!(await gate.inspect()).running) break;
    }
    await new Promise((r) => setTimeout(r, 15));
  }
  const logs = await gate.logs({ tail: 20 }).catch(() => ({ stdout: '', stderr: '' }));
  const said = `${logs.stderr}${logs.stdout}`.trim().split('\n').slice(-5);
  throw new CcboxError('the gate did not start, so the session does not either', {
    code: 'GATE_FAILED',
    exitCode: ExitCodes.sandboxFailed,
    hint: 'the gate said what is wrong above',
    details: said,
  });
}

/**
 * Hands the running gate what must not be in its config: the model key and its internal address. Why
 * exec with stdin: neither the engine's stored config nor `docker inspect` shows an exec's input; the
 * command line names no secret. Written then renamed, so the gate never reads half a file.
 */
export async function handOverToGate(
  gate: ContainerHandle,
  control: {
    modelKey: string | undefined;
    oauthToken?: string | undefined;
    /** Header credentials (credentials.secrets, deliver header), for the gate's credential relay. */
    credentials?: readonly HeaderCredential[];
    internalAddress: string;
  },
): Promise<void> {
  const body = JSON.stringify({
    ...(control.modelKey !== undefined ? { modelKey: control.modelKey } : {}),
    ...(control.oauthToken !== undefined ? { oauthToken: control.oauthToken } : {}),
    ...(control.credentials?.length ? { credentials: control.credentials } : {}),
    internalAddress: control.internalAddress,
  });
  const part = `${GATE_CONTROL_FILE}.part`;
  const r = await gate.exec(
    ['/bin/sh', '-c', `umask 077 && cat > ${part} && mv ${part} ${GATE_CONTROL_FILE}`],
    {
      stdin: body,
    },
  );
  if (r.exitCode !== 0)
    throw new CcboxError('could not hand the session settings to the gate', {
      code: 'GATE_FAILED',
      exitCode: ExitCodes.sandboxFailed,
      hint: 'the gate container stopped or its /tmp is not writable; see `docker logs` of the gate',
    });
}

/**
 * The agent's proxy and model settings: by address, because the agent has no resolver. The model
 * endpoint is the gate's relay; the agent authenticates with short-lived tokens that its apiKeyHelper
 * (managed settings) gets from the gate, never the real key. Why the helper's cache is half the token
 * lifetime: a token Claude Code still caches is always a live one (and a 401 re-runs the helper).
 */
export function agentGateEnv(
  gateAddress: string,
  tokenTtlSeconds: number,
  subscription = false,
  credentialRelay = false,
): Record<string, string> {
  const url = `http://${gateAddress}:${GATE_PORT}`;
  const noProxy = `${gateAddress},${GATE_ALIAS},localhost,127.0.0.1`;
  return {
    HTTPS_PROXY: url,
    HTTP_PROXY: url,
    https_proxy: url,
    http_proxy: url,
    NO_PROXY: noProxy,
    no_proxy: noProxy,
    ANTHROPIC_BASE_URL: `http://${gateAddress}:${RELAY_PORT}`,
    // Header credentials: the agent sends $CCBOX_CREDENTIALS_URL/NAME/HOST/PATH; the gate adds the value.
    ...(credentialRelay ? { CCBOX_CREDENTIALS_URL: `http://${gateAddress}:${CREDENTIAL_RELAY_PORT}` } : {}),
    // Where images/agent/ccbox-hook sends every hook input (the managed settings register it).
    CCBOX_HOOK_ENDPOINT: `${gateAddress}:${HOOK_PORT}`,
    // Subscription mode: the entry point fetches Claude Code's own token from the gate (not a secret).
    ...(subscription
      ? { CCBOX_MODEL_AUTH: 'oauth-token' }
      : {
          CLAUDE_CODE_API_KEY_HELPER_TTL_MS: String(Math.max(1000, Math.floor((tokenTtlSeconds * 1000) / 2))),
        }),
  };
}

/**
 * Stops the gate the way it expects (SIGTERM: stop accepting, drain, flush the audit log), then removes
 * it. Why not a plain forced remove: SIGKILL could drop the last decision events on the floor.
 */
export async function stopGate(gate: ContainerHandle, graceMs = 3_000): Promise<void> {
  try {
    await gate.kill('SIGTERM');
    await Promise.race([gate.wait(), new Promise((r) => setTimeout(r, graceMs).unref())]);
  } catch {
    // Already gone or never started: the forced remove below settles it.
  }
  await gate.remove({ force: true });
}
