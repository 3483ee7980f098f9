import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Redactor } from '../../src/audit/redact.js';
import { readBody } from './body.js';
import { http, https } from './builtins.js';

/**
 * The OTLP relay: Claude Code's OTEL_EXPORTER_OTLP_ENDPOINT points here (managed env). Why a relay and
 * not the collector in the allowlist: the agent never reaches the collector, and the gate stamps each
 * request's resources with the session id, replacing any the agent set, so one query joins Claude
 * Code's telemetry with the gate's own audit events and the agent cannot pass as another session.
 * OTLP/HTTP with JSON only (the managed env sets http/json): the relay must read what it stamps.
 */
export interface OtlpRelayOptions {
  /** The collector's OTLP/HTTP base URL. */
  collector: URL;
  session: string;
  /** Applied to every string in the payload, as to the audit log. */
  redact: Redactor;
  host?: string;
  port?: number;
  log?: (line: string) => void;
}

export interface OtlpRelayHandle {
  port: number;
  close(): Promise<void>;
}

const SIGNALS: Record<string, string> = {
  '/v1/logs': 'resourceLogs',
  '/v1/metrics': 'resourceMetrics',
  '/v1/traces': 'resourceSpans',
};
/** The OTLP/HTTP default request size limit of collectors. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;

interface KeyValue {
  key: string;
  value: unknown;
}

/** Every string leaf redacted (keys are field names and stay). */
function redactStrings(value: unknown, redact: Redactor): unknown {
  if (typeof value === 'string') return redact(value);
  if (Array.isArray(value)) return value.map((v) => redactStrings(v, redact));
  if (typeof value === 'object' && value !== null)
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactStrings(v, redact)]));
  return value;
}

/** The payload with `session.id` set, by the gate, on every resource; null if it is not OTLP JSON. */
export function stampSession(payload: unknown, field: string, session: string): unknown {
  if (typeof payload !== 'object' || payload === null) return null;
  const entries = (payload as Record<string, unknown>)[field];
  if (entries === undefined) return payload;
  if (!Array.isArray(entries)) return null;
  for (const entry of entries as Array<Record<string, unknown>>) {
    if (typeof entry !== 'object' || entry === null) return null;
    const resource = (entry.resource ?? {}) as { attributes?: KeyValue[] };
    const attrs = Array.isArray(resource.attributes) ? resource.attributes : [];
    resource.attributes = [
      ...attrs.filter((a) => a?.key !== 'session.id'),
      { key: 'session.id', value: { stringValue: session } },
    ];
    entry.resource = resource;
  }
  return payload;
}

function answer(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ code: status, message }));
}

export function startOtlpRelay(options: OtlpRelayOptions): Promise<OtlpRelayHandle> {
  const log = options.log ?? ((line: string) => void process.stderr.write(`${line}\n`));
  const base = options.collector.href.replace(/\/+$/, '');
  const send = options.collector.protocol === 'https:' ? https.request : http.request;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '').split('?')[0] ?? '';
    const field = SIGNALS[path];
    if (req.method !== 'POST' || field === undefined) return answer(res, 404, 'not an OTLP/HTTP signal path');
    if (
      !(req.headers['content-type'] ?? '').startsWith('application/json') ||
      req.headers['content-encoding']
    )
      return answer(res, 415, 'the gate relays OTLP/HTTP JSON, uncompressed');
    const body = await readBody(req, MAX_BODY_BYTES);
    if (body === null) return answer(res, 413, 'OTLP request too large');
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      return answer(res, 400, 'not JSON');
    }
    const stamped = stampSession(redactStrings(parsed, options.redact), field, options.session);
    if (stamped === null) return answer(res, 400, `not an OTLP ${field} request`);
    const out = Buffer.from(JSON.stringify(stamped));
    const upstream = send(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': out.length },
      timeout: 10_000,
    });
    upstream.on('response', (up) => {
      res.writeHead(up.statusCode ?? 502, {
        'content-type': up.headers['content-type'] ?? 'application/json',
      });
      up.pipe(res);
    });
    upstream.on('timeout', () => upstream.destroy(new Error('collector timed out')));
    upstream.on('error', (error) => {
      log(`otlp relay: ${error.message}`);
      if (!res.headersSent) answer(res, 502, 'the collector is not reachable');
      else res.destroy();
    });
    upstream.end(out);
  };

  const server: Server = http.createServer({ headersTimeout: 10_000, requestTimeout: 30_000 });
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((error: unknown) => {
      log(`otlp relay: ${error instanceof Error ? error.message : String(error)}`);
      res.destroy();
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 4318, options.host ?? '0.0.0.0', () => {
      resolve({
        port: (server.address() as AddressInfo).port,
        close: () =>
          new Promise<void>((r) => {
            server.closeAllConnections();
            server.close(() => r());
          }),
      });
    });
  });
}
