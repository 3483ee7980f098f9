import type { AuditEvent } from '../../src/audit/event.js';
import { provenanceOf } from '../../src/audit/event.js';
import type { AuditContext } from '../../src/audit/config.js';
import { createRedactor, redactEvent, type Redactor } from '../../src/audit/redact.js';
import { openAuditLog, type AuditLog, type AuditLogOptions } from '../../src/audit/store.js';
import type { SecretDigests } from '../../src/audit/secret-digest.js';

/** Where decision events go. The gate owns its sink once started and closes it on shutdown. */
export interface EventSink {
  write(event: AuditEvent): void;
  /** The error that broke the sink, if any. Why: a gate that cannot record decisions stops forwarding. */
  failure(): Error | null;
  /** Flushes and closes; rejects if the underlying log failed. */
  close(): Promise<void>;
}

/** What the sink stamps on and strips from every event, and where else events go (OTLP). */
export interface SinkOptions {
  context?: AuditContext;
  secrets?: SecretDigests;
  /** Called with each event as written (redacted), e.g. the OTLP exporter. */
  also?: (event: AuditEvent) => void;
  /** Runs after the log is closed (e.g. flushes the exporter). */
  onClose?: () => Promise<void>;
}

/**
 * The gate's one way to record a decision, for every writer (egress, relay, hook endpoint). Why here
 * and not in each writer: the session context, the provenance and the redaction are then applied to
 * every event, whoever wrote it. Provenance comes from the source, never from the writer; context
 * fields come from the host, overriding anything a hook claimed.
 */
export function auditSink(log: AuditLog, options: SinkOptions = {}): EventSink {
  const redact: Redactor = createRedactor(options.secrets);
  const context = options.context ?? {};
  return {
    write(event) {
      const stamped: AuditEvent = {
        ...event,
        provenance: provenanceOf(event.source),
        ...(context.user !== undefined ? { user: context.user } : {}),
        ...(context.repository !== undefined ? { repository: context.repository } : {}),
        ...(context.branch !== undefined ? { branch: context.branch } : {}),
        ...(context.commit !== undefined ? { commit: context.commit } : {}),
      };
      const clean = redactEvent(stamped, redact);
      log.append(`${JSON.stringify(clean)}\n`);
      options.also?.(clean);
    },
    failure: () => log.failure(),
    async close() {
      try {
        await log.close();
      } finally {
        await options.onClose?.();
      }
    },
  };
}

/** Opens the session's audit log at `path` and wraps it in the stamping, redacting sink. */
export async function openAuditSink(
  path: string,
  options: SinkOptions = {},
  logOptions?: AuditLogOptions,
): Promise<EventSink> {
  return auditSink(await openAuditLog(path, logOptions), options);
}
