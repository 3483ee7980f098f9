import type { AuditEvent } from './event.js';

/** The gate's OpenTelemetry log export of its audit events. */
export interface OtlpExport {
  /** Queues one (already redacted) event; the SDK batches and sends it. */
  emit(event: AuditEvent): void;
  /** Sends what is queued and stops. */
  shutdown(): Promise<void>;
}

export interface OtlpExportOptions {
  /** The collector's OTLP/HTTP base URL (…/v1/logs is appended). */
  endpoint: string;
  session: string;
  /** Batch delay (default 1 s): events reach the collector within about this long. */
  scheduledDelayMillis?: number;
}

// Severity by decision, so a collector's usual filters (WARN and above) show what was refused.
const SEVERITY: Record<AuditEvent['decision'], [number, string]> = {
  allow: [9, 'INFO'],
  record: [9, 'INFO'],
  ask: [13, 'WARN'],
  failed: [13, 'WARN'],
  aborted: [13, 'WARN'],
  deny: [17, 'ERROR'],
};

/** Dotted OTel attribute names (ccbox.*) for each field of the event that is set. */
function attributes(event: AuditEvent): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(event))
    if (value !== undefined && value !== null && key !== 'type' && key !== 'session')
      out[`ccbox.${key}`] = value as string | number | boolean;
  out['session.id'] = event.session;
  return out;
}

/**
 * Starts the export with the official OpenTelemetry JS SDK (sdk-logs + the OTLP/HTTP exporter). Why
 * loaded on demand: a session without a collector does not pay for the SDK at gate start. Every log
 * record carries `session.id` as a resource attribute, as the relayed Claude Code telemetry does, so
 * one query joins both. What is exported is what the log holds: the events arrive here redacted.
 */
export async function startOtlpExport(options: OtlpExportOptions): Promise<OtlpExport> {
  const [{ LoggerProvider, BatchLogRecordProcessor }, { OTLPLogExporter }, { resourceFromAttributes }] =
    await Promise.all([
      import('@opentelemetry/sdk-logs'),
      import('@opentelemetry/exporter-logs-otlp-http'),
      import('@opentelemetry/resources'),
    ]);
  const exporter = new OTLPLogExporter({ url: `${options.endpoint.replace(/\/+$/, '')}/v1/logs` });
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': 'ccbox-gate', 'session.id': options.session }),
    processors: [
      new BatchLogRecordProcessor({ exporter, scheduledDelayMillis: options.scheduledDelayMillis ?? 1_000 }),
    ],
  });
  const logger = provider.getLogger('ccbox.audit');
  return {
    emit(event) {
      const [severityNumber, severityText] = SEVERITY[event.decision];
      logger.emit({
        eventName: `ccbox.${event.source}.decision`,
        timestamp: new Date(event.time),
        severityNumber,
        severityText,
        body: `${event.source} ${event.decision}${event.rule ? ` (${event.rule})` : ''}: ${event.what ?? ''}`,
        attributes: attributes(event),
      });
    },
    shutdown: () => provider.shutdown(),
  };
}
