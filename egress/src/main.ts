import { readFile, rm, writeFile } from 'node:fs/promises';
import { EgressPolicyError, parseEgressPolicy } from '../../src/policy/egress/index.js';
import { AUDIT_LOG_FILE } from '../../src/audit/event.js';
import { parseGateAuditConfig, type GateAuditConfig } from '../../src/audit/config.js';
import { createRedactor } from '../../src/audit/redact.js';
import { startOtlpExport, type OtlpExport } from '../../src/audit/otlp.js';
import { openAuditSink } from './events.js';
import { startOtlpRelay, type OtlpRelayHandle } from './otlp-relay.js';
import { startGate } from './gate.js';
import { startRelay, type RelayHandle } from './relay.js';
import { receiveControl } from './control.js';
import { tokenService } from './tokens.js';
import { subscriptionPass } from './oauth-endpoint.js';
import { startCredentialRelay } from './credential-relay.js';
import { startHooks } from './hook-start.js';

// The container entry point: the only place the gate reads its environment. Logs go to stderr; the
// decision events go to the JSON-lines file (stdout stays empty).
const log = (line: string): void => void process.stderr.write(`${line}\n`);

interface Settings {
  policyPath: string;
  session: string;
  port: number;
  logPath: string;
  auditConfigPath: string | undefined;
  drainMs: number;
}

function settings(env: NodeJS.ProcessEnv): Settings {
  const port = Number(env.CCBOX_GATE_PORT ?? '3128');
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new Error(`CCBOX_GATE_PORT is not a port: ${env.CCBOX_GATE_PORT}`);
  const session = env.CCBOX_SESSION ?? '';
  if (session === '') throw new Error('CCBOX_SESSION is not set');
  const drainMs = Number(env.CCBOX_GATE_DRAIN_MS ?? '10000');
  return {
    policyPath: env.CCBOX_EGRESS_POLICY ?? '/etc/ccbox/egress-policy.json',
    session,
    port,
    logPath: env.CCBOX_AUDIT_LOG ?? `/var/log/ccbox/${AUDIT_LOG_FILE}`,
    auditConfigPath: env.CCBOX_AUDIT_CONFIG || undefined,
    drainMs: Number.isFinite(drainMs) && drainMs >= 0 ? drainMs : 10_000,
  };
}

async function main(): Promise<void> {
  const config = settings(process.env);
  // The hook engine's parser (WASM) loads once, beside the rest of the start.
  const hooks = startHooks(process.env.CCBOX_HOOK_POLICY || undefined);
  const policy = parseEgressPolicy(JSON.parse(await readFile(config.policyPath, 'utf8')) as unknown);
  // Without a config (a gate run by hand) events carry no session context and only shape redaction.
  const audit: GateAuditConfig | undefined =
    config.auditConfigPath !== undefined
      ? parseGateAuditConfig(JSON.parse(await readFile(config.auditConfigPath, 'utf8')) as unknown)
      : undefined;
  // With a collector: every event also goes out as an OpenTelemetry log (the file stays the record).
  const otlp: OtlpExport | undefined = audit?.otlp
    ? await startOtlpExport({ endpoint: audit.otlp.endpoint, session: config.session })
    : undefined;
  const sink = await openAuditSink(config.logPath, {
    ...(audit ? { context: audit.context, secrets: audit.secrets } : {}),
    ...(otlp ? { also: (e) => otlp.emit(e), onClose: () => otlp.shutdown() } : {}),
  });
  let otlpRelay: OtlpRelayHandle | undefined;
  if (audit?.otlp) {
    otlpRelay = await startOtlpRelay({
      collector: new URL(audit.otlp.endpoint),
      session: config.session,
      redact: createRedactor(audit.secrets),
      port: Number(process.env.CCBOX_OTLP_RELAY_PORT ?? '4318'),
      log,
    });
    log(
      `gate: audit events and Claude Code telemetry to ${new URL(audit.otlp.endpoint).origin} (relay on ${otlpRelay.port})`,
    );
  }
  const gate = await startGate({
    policy,
    session: config.session,
    sink,
    port: config.port,
    log,
    drainTimeoutMs: config.drainMs,
  });
  log(
    `gate: listening on ${gate.address}:${gate.port} (session ${config.session}, mode ${policy.mode}, ` +
      `${policy.allowHosts.length} allowed pattern(s), policy ${policy.policyVersion})`,
  );
  let relay: RelayHandle | undefined;
  let credentialRelay: { close(): Promise<void> } | undefined;
  let internalAddress: string | undefined;
  const controlPath = process.env.CCBOX_GATE_CONTROL_FILE;
  if (controlPath) {
    const control = await receiveControl(controlPath, 60_000);
    internalAddress = control.internalAddress;
    const upstream = new URL(process.env.CCBOX_MODEL_UPSTREAM ?? 'https://api.anthropic.com');
    const ttl = Number(process.env.CCBOX_TOKEN_TTL_SECONDS ?? '3600');
    if (!Number.isInteger(ttl) || ttl < 1)
      throw new Error(`CCBOX_TOKEN_TTL_SECONDS is not a number of seconds`);
    relay = await startRelay({
      upstream,
      apiKey: control.modelKey,
      tokens: tokenService(config.session, ttl),
      subscription: control.oauthToken !== undefined ? subscriptionPass(control.oauthToken) : undefined,
      internalAddress: control.internalAddress,
      port: Number(process.env.CCBOX_RELAY_PORT ?? '3129'),
      log,
      // One audit log: relay requests are events in the gate's file, next to its egress decisions.
      sink,
      session: config.session,
      policyVersion: policy.policyVersion,
    });
    if ((control.credentials ?? []).length > 0) {
      credentialRelay = await startCredentialRelay({
        credentials: control.credentials ?? [],
        proxyPort: gate.port,
        internalAddress: control.internalAddress,
        port: Number(process.env.CCBOX_CREDENTIAL_RELAY_PORT ?? '3131'),
        sink,
        session: config.session,
        policyVersion: policy.policyVersion,
        log,
      });
      log(`gate: credential relay for ${control.credentials?.map((c) => c.name).join(', ')}`);
    }
    log(
      `gate: model relay on port ${relay.port} to ${upstream.origin}${control.modelKey ? ' (key added by the gate)' : control.oauthToken ? " (subscription mode: Claude Code's own token passed through)" : ''}, tokens live ${ttl} s`,
    );
  }
  // The hook endpoint needs the internal address, so it starts after the hand-over (and before readiness).
  const hookServer = await hooks.start({
    sink,
    session: config.session,
    internalAddress,
    port: Number(process.env.CCBOX_HOOK_PORT ?? '3130'),
    log,
  });
  // Readiness for the host: written last, into the audit folder only the gate mounts. Why a file: ccbox
  // sees it without an exec round trip per poll, and it only exists once both listeners are up.
  const readyFile = process.env.CCBOX_GATE_READY_FILE;
  if (readyFile) {
    await writeFile(
      readyFile,
      `${JSON.stringify({ mode: policy.mode, allowHosts: policy.allowHosts.length, policyVersion: policy.policyVersion, relay: relay !== undefined, hooks: hookServer !== undefined })}\n`,
    );
  }
  const stop = (signal: string): void => {
    log(`gate: ${signal}: draining`);
    void relay?.close();
    void credentialRelay?.close();
    void hookServer?.close();
    void otlpRelay?.close();
    gate
      .close()
      .then(
        () => log('gate: stopped'),
        (error: unknown) => {
          log(`gate: stopped with an error: ${String(error)}`);
          process.exitCode = 1;
        },
      )
      // Once the log is flushed and closed: `ccbox audit --follow` stops when the ready file goes.
      .then(() => (readyFile ? rm(readyFile, { force: true }) : undefined))
      .catch(() => undefined);
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

main().catch((error: unknown) => {
  // Fail closed: without a valid policy and a writable audit log the gate does not start at all.
  if (error instanceof EgressPolicyError) {
    for (const problem of error.problems) log(`gate: policy: ${problem}`);
    log(`gate: cannot start: the egress policy has ${error.problems.length} problem(s)`);
  } else {
    log(`gate: cannot start: ${error instanceof Error ? error.message : String(error)}`);
  }
  process.exitCode = 1;
});
