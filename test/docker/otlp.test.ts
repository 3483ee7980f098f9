import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRoot, outcome, runCli } from './cli.js';
import { startTestSite, type TestSite } from './site.js';

// A profile naming an OTLP collector: the gate exports its audit events there (OpenTelemetry SDK), and
// relays what the agent sends to gate:4318 (Claude Code's telemetry) with the real session id. The
// collector is a test container that decodes OTLP/HTTP JSON; it is not on the agent's allowlist.

// Prints one line per request: OTLP <path> <decoded JSON body>.
const COLLECTOR_JS = `
require('node:http').createServer((req, res) => {
  const parts = []; req.on('data', (c) => parts.push(c));
  req.on('end', () => {
    let body; try { body = JSON.parse(Buffer.concat(parts).toString('utf8')); } catch { body = { undecodable: true }; }
    console.log('OTLP ' + req.url + ' ' + JSON.stringify(body)); res.writeHead(200, {'content-type': 'application/json'}); res.end('{}');
  });
}).listen(4318); console.log('listening');`;

type Attr = { key: string; value: { stringValue?: string } };
interface ResourceLogs {
  resource?: { attributes?: Attr[] };
  scopeLogs?: Array<{ logRecords?: Array<{ attributes?: Attr[]; body?: { stringValue?: string } }> }>;
}
const attr = (attrs: Attr[] | undefined, key: string): string | undefined =>
  attrs?.find((a) => a.key === key)?.value.stringValue;

async function received(
  site: TestSite | undefined,
): Promise<Array<{ path: string; body: { resourceLogs?: ResourceLogs[] } }>> {
  return ((await site?.logs()) ?? '')
    .split('\n')
    .filter((l) => l.startsWith('OTLP '))
    .map((l) => {
      const [, p = '', ...rest] = l.split(' ');
      return { path: p, body: JSON.parse(rest.join(' ')) as { resourceLogs?: ResourceLogs[] } };
    });
}

describe.skipIf(!isRoot)('audit export to an OTLP collector', () => {
  let site: TestSite | undefined;
  let profileFile = '';
  beforeAll(async () => {
    site = await startTestSite({
      name: 'otel.collector.test',
      script: COLLECTOR_JS,
      profileName: 'otlp-test',
    });
    profileFile = path.join(path.dirname(site.repo), 'otlp-only.yaml');
    writeFileSync(
      profileFile,
      `name: otlp-only\nextends: low-risk\ntelemetry:\n  otlpEndpoint: http://${site.ip}:4318\n`,
    );
  });
  afterAll(() => site?.stop());

  it("sends the gate's decisions and the agent's relayed telemetry, both with the session's id", async () => {
    const forged = JSON.stringify({
      resourceLogs: [
        {
          resource: { attributes: [{ key: 'session.id', value: { stringValue: 'forged-by-agent' } }] },
          scopeLogs: [{ logRecords: [{ body: { stringValue: 'claude_code.tool_result from the agent' } }] }],
        },
      ],
    });
    const r = await runCli(
      [
        'shell',
        '--json',
        '--profile',
        profileFile,
        '--',
        'bash',
        '-c',
        [
          'curl -s -m 5 -o /dev/null https://example.com/',
          // Straight to the collector: not allowed (only the gate talks to it).
          `curl -s -m 5 -o /dev/null -w 'direct=%{http_code}\\n' http://${site?.ip ?? ''}:4318/v1/logs`,
          `curl -s -m 5 -o /dev/null -w 'relay=%{http_code}\\n' -X POST http://gate:4318/v1/logs -H 'content-type: application/json' -d '${forged}'`,
        ].join('; '),
      ],
      { cwd: site?.repo ?? '' },
    );
    const session = outcome(r).session ?? '';
    expect(session).not.toBe('');
    expect(r.stderr).toContain('relay=200');
    expect(r.stderr).toMatch(/direct=(403|000)/);
    const got = await received(site);
    const logs = got.filter((g) => g.path === '/v1/logs').flatMap((g) => g.body.resourceLogs ?? []);
    const fromGate = logs.filter((l) => attr(l.resource?.attributes, 'service.name') === 'ccbox-gate');
    const records = fromGate
      .filter((l) => attr(l.resource?.attributes, 'session.id') === session)
      .flatMap((l) => l.scopeLogs?.flatMap((s) => s.logRecords ?? []) ?? []);
    expect(records.map((x) => x.body?.stringValue)).toContain(
      'egress deny (deny:not-allowlisted): example.com:443',
    );
    const relayed = logs.filter((l) => JSON.stringify(l).includes('claude_code.tool_result from the agent'));
    expect(relayed).toHaveLength(1);
    expect(relayed[0]?.resource?.attributes?.filter((a) => a.key === 'session.id')).toEqual([
      { key: 'session.id', value: { stringValue: session } },
    ]);
  });
});
