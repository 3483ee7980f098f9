import { once } from 'node:events';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOtlpExport } from '../../../src/audit/otlp.js';
import { createRedactor } from '../../../src/audit/redact.js';
import type { AuditEvent } from '../../../src/audit/event.js';
import { openAuditSink } from '../../../egress/src/events.js';
import { startOtlpRelay, type OtlpRelayHandle } from '../../../egress/src/otlp-relay.js';

// A stand-in collector on loopback that decodes what it gets (OTLP/HTTP JSON), for the gate's own
// export (the OpenTelemetry SDK) and for the relay of Claude Code's telemetry.

interface Received {
  path: string;
  contentType: string;
  body: Record<string, unknown>;
}
const TOKEN = 'ghp_FAKEfakeFAKEfake0123456789abcdefABCD';
const received: Received[] = [];
let collector: Server;
let endpoint = '';
const dir = mkdtempSync(path.join(tmpdir(), 'ccbox-otlp-'));

beforeAll(async () => {
  collector = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      received.push({
        path: req.url ?? '',
        contentType: req.headers['content-type'] ?? '',
        body: JSON.parse(Buffer.concat(parts).toString('utf8')) as Record<string, unknown>,
      });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  collector.listen(0, '127.0.0.1');
  await once(collector, 'listening');
  endpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
});
afterAll(() => {
  collector.close();
  rmSync(dir, { recursive: true, force: true });
});

type Attr = { key: string; value: Record<string, unknown> };
const attr = (attrs: Attr[] | undefined, key: string): unknown =>
  Object.values(attrs?.find((a) => a.key === key)?.value ?? {})[0];
interface ResourceLogs {
  resource?: { attributes?: Attr[] };
  scopeLogs?: Array<{ logRecords?: Array<{ attributes?: Attr[]; body?: { stringValue?: string } }> }>;
}

describe('the OTLP export of audit events', () => {
  it('sends each event, redacted, as an OpenTelemetry log with session.id on its resource', async () => {
    const before = received.length;
    const otlp = await startOtlpExport({ endpoint, session: 'sess-otlp', scheduledDelayMillis: 20 });
    const sink = await openAuditSink(path.join(dir, 'a.jsonl'), {
      also: (e) => otlp.emit(e),
      onClose: () => otlp.shutdown(),
    });
    const event: AuditEvent = {
      type: 'decision',
      session: 'sess-otlp',
      time: new Date().toISOString(),
      provenance: 'observed',
      source: 'egress',
      what: 'evil.example:443',
      host: 'evil.example',
      port: 443,
      decision: 'deny',
      reason: `refused, saw ${TOKEN}`,
      rule: 'deny:not-allowlisted',
      policyVersion: 'v1',
    };
    sink.write(event);
    await sink.close();
    const got = received.slice(before).filter((r) => r.path === '/v1/logs');
    expect(got).toHaveLength(1);
    expect(got[0]?.contentType).toContain('application/json');
    expect(JSON.stringify(got)).not.toContain(TOKEN);
    const [rl] = got[0]?.body.resourceLogs as ResourceLogs[];
    expect(attr(rl?.resource?.attributes, 'session.id')).toBe('sess-otlp');
    expect(attr(rl?.resource?.attributes, 'service.name')).toBe('ccbox-gate');
    const record = rl?.scopeLogs?.[0]?.logRecords?.[0];
    expect(attr(record?.attributes, 'ccbox.decision')).toBe('deny');
    expect(attr(record?.attributes, 'ccbox.rule')).toBe('deny:not-allowlisted');
    expect(attr(record?.attributes, 'ccbox.provenance')).toBe('observed');
    expect(Number(attr(record?.attributes, 'ccbox.port'))).toBe(443);
    expect(record?.body?.stringValue).toBe('egress deny (deny:not-allowlisted): evil.example:443');
  });
});

describe('the OTLP relay for Claude Code telemetry', () => {
  let relay: OtlpRelayHandle;
  beforeAll(async () => {
    relay = await startOtlpRelay({
      collector: new URL(endpoint),
      session: 'sess-real',
      redact: createRedactor(),
      host: '127.0.0.1',
      port: 0,
      log: () => undefined,
    });
  });
  afterAll(() => relay.close());

  const post = (p: string, body: string, type = 'application/json'): Promise<number> =>
    new Promise((resolve, reject) => {
      const req = request(`http://127.0.0.1:${relay.port}${p}`, {
        method: 'POST',
        headers: { 'content-type': type },
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end(body);
    });

  it('stamps the real session id over the one the agent claimed, and redacts what it forwards', async () => {
    const before = received.length;
    const payload = {
      resourceLogs: [
        {
          resource: {
            attributes: [
              { key: 'service.name', value: { stringValue: 'claude-code' } },
              { key: 'session.id', value: { stringValue: 'forged-by-agent' } },
            ],
          },
          scopeLogs: [{ logRecords: [{ body: { stringValue: `tool_result ${TOKEN}` }, attributes: [] }] }],
        },
      ],
    };
    expect(await post('/v1/logs', JSON.stringify(payload))).toBe(200);
    expect(await post('/v1/metrics', JSON.stringify({ resourceMetrics: [{ scopeMetrics: [] }] }))).toBe(200);
    const got = received.slice(before);
    expect(got.map((r) => r.path)).toEqual(['/v1/logs', '/v1/metrics']);
    const [rl] = got[0]?.body.resourceLogs as ResourceLogs[];
    const ids = rl?.resource?.attributes?.filter((a) => a.key === 'session.id');
    expect(ids).toEqual([{ key: 'session.id', value: { stringValue: 'sess-real' } }]);
    expect(attr(rl?.resource?.attributes, 'service.name')).toBe('claude-code');
    expect(JSON.stringify(got)).not.toContain(TOKEN);
    const [rm] = got[1]?.body.resourceMetrics as ResourceLogs[];
    expect(attr(rm?.resource?.attributes, 'session.id')).toBe('sess-real');
  });

  it('refuses what it cannot stamp: protobuf, other paths, not OTLP', async () => {
    const before = received.length;
    expect(await post('/v1/logs', '\x0a\x00', 'application/x-protobuf')).toBe(415);
    expect(await post('/v1/other', '{}')).toBe(404);
    expect(await post('/v1/logs', '{"resourceLogs": 5}')).toBe(400);
    expect(await post('/v1/logs', 'not json')).toBe(400);
    expect(received.length).toBe(before);
  });
});
