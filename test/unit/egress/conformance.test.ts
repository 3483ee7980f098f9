import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGate } from '../../../egress/src/gate.js';
import type { EgressPolicy } from '../../../src/policy/egress/index.js';
import {
  connectVia,
  memorySink,
  rawRequest,
  startEcho,
  startHttpUpstream,
  tableResolver,
  testPolicy,
  tunnelOpening,
  until,
} from './helpers.js';

// Conformance table: every case goes through a real gate on loopback. The resolver is a fixed table and
// the connector records the address the gate chose, then dials a loopback test server instead, so no
// packet ever leaves loopback while the decisions are the real ones. A denied case must not dial at all.

const PUBLIC_A = '93.184.215.14';
const PUBLIC_B = '93.184.215.15';

const DNS: Record<string, readonly string[]> = {
  'www.example.com': [PUBLIC_A],
  'a.b.example.com': [PUBLIC_A],
  'bad.example.com': [PUBLIC_A],
  'api.example.org': [PUBLIC_B],
  'not-allowed.net': [PUBLIC_A],
  'blocked.example.com': [PUBLIC_A],
  'internal.example.com': ['10.1.2.3'],
  'mixed.example.com': [PUBLIC_A, '10.0.0.7'],
  'meta.example.com': ['169.254.169.254'],
  'loop.example.com': ['::1'],
  'mapped.example.com': ['::ffff:10.0.0.1'],
  'cgnat.example.com': ['100.64.1.1'],
  'empty.example.com': [],
  'multi.example.com': [PUBLIC_B, PUBLIC_A],
  'svc.example.com': ['10.20.1.2'],
};

const BASE: Partial<EgressPolicy> = {
  allowHosts: ['*.example.com', 'api.example.org'],
  denyHosts: ['blocked.example.com', '*.bad.example.com'],
};
const REPORT: Partial<EgressPolicy> = { ...BASE, mode: 'report' };
const CIDR_10_20: Partial<EgressPolicy> = { ...BASE, allowCidrs: ['10.20.0.0/16'] };

interface Case {
  name: string;
  via: 'CONNECT' | 'HTTP';
  /** CONNECT authority, or the absolute URI of a GET. */
  target: string;
  /** Host header for HTTP (default: the URI's authority); an array sends several. */
  hostHeader?: string | string[];
  policy?: Partial<EgressPolicy>;
  status: number;
  rule: string;
  decision: 'allow' | 'deny' | 'failed';
  /** Where the gate dials (checked address); absent means it must not dial. */
  dial?: string;
}

const allow = (
  rule: string,
  dial: string,
  status = 200,
): Pick<Case, 'status' | 'rule' | 'decision' | 'dial'> => ({
  status,
  rule,
  decision: 'allow',
  dial,
});
const deny = (rule: string, status = 403): Pick<Case, 'status' | 'rule' | 'decision'> => ({
  status,
  rule,
  decision: 'deny',
});
// Report mode: recorded as a denial, forwarded anyway.
const reported = (rule: string, dial: string): Pick<Case, 'status' | 'rule' | 'decision' | 'dial'> => ({
  status: 200,
  rule,
  decision: 'deny',
  dial,
});

const C = (name: string, target: string, expected: Omit<Case, 'name' | 'via' | 'target'>): Case => ({
  name,
  via: 'CONNECT',
  target,
  ...expected,
});
const H = (name: string, target: string, expected: Omit<Case, 'name' | 'via' | 'target'>): Case => ({
  name,
  via: 'HTTP',
  target,
  ...expected,
});

const CASES: Case[] = [
  // Host spellings and wildcard edges.
  C('wildcard subdomain', 'www.example.com:443', allow('allow:*.example.com', PUBLIC_A)),
  C('wildcard, deeper subdomain', 'a.b.example.com:443', allow('allow:*.example.com', PUBLIC_A)),
  C('upper case', 'WWW.EXAMPLE.COM:443', allow('allow:*.example.com', PUBLIC_A)),
  C('trailing dot', 'www.example.com.:443', allow('allow:*.example.com', PUBLIC_A)),
  C('upper case and trailing dot', 'Www.Example.Com.:443', allow('allow:*.example.com', PUBLIC_A)),
  C('two trailing dots', 'www.example.com..:443', deny('deny:invalid-host')),
  // A name that needs decoding is refused, never decided as the name it decodes to (issue 17).
  C('percent-encoded letter', 'www.exa%6Dple.com:443', deny('deny:non-canonical-host')),
  C('short IPv4 inside an allowed range', '10.20.258:443', {
    policy: CIDR_10_20,
    ...deny('deny:non-canonical-host'),
  }),
  C('report: a percent-encoded name is still refused', 'www.exa%6Dple.com:443', {
    policy: REPORT,
    ...deny('deny:non-canonical-host'),
  }),
  C('wildcard never matches the apex', 'example.com:443', deny('deny:not-allowlisted')),
  C('suffix without a dot boundary', 'evil-example.com:443', deny('deny:not-allowlisted')),
  C('label glued to the suffix', 'wwwexample.com:443', deny('deny:not-allowlisted')),
  C('allowed name as a prefix of another', 'www.example.com.evil.net:443', deny('deny:not-allowlisted')),
  C('exact pattern', 'api.example.org:443', allow('allow:api.example.org', PUBLIC_B)),
  C('exact pattern does not cover subdomains', 'x.api.example.org:443', deny('deny:not-allowlisted')),
  C('deny beats allow (exact)', 'blocked.example.com:443', deny('deny:host:blocked.example.com')),
  C('deny beats allow (wildcard)', 'x.bad.example.com:443', deny('deny:host:*.bad.example.com')),
  C('deny wildcard leaves its apex alone', 'bad.example.com:443', allow('allow:*.example.com', PUBLIC_A)),
  C('illegal characters', 'www.exa_mple!.com:443', deny('deny:invalid-host')),
  // Ports.
  C('port 80 over CONNECT', 'api.example.org:80', allow('allow:api.example.org', PUBLIC_B)),
  C('port 22 refused', 'api.example.org:22', deny('deny:port')),
  C('port 8443 refused', 'api.example.org:8443', deny('deny:port')),
  C('CONNECT without a port', 'api.example.org', deny('deny:invalid-target', 400)),
  C('port 0', 'api.example.org:0', deny('deny:invalid-target', 400)),
  C('port out of range', 'api.example.org:65536', deny('deny:invalid-target', 400)),
  // Loopback in every spelling.
  C('loopback dotted', '127.0.0.1:443', deny('deny:loopback-address')),
  C('loopback decimal', '2130706433:443', deny('deny:loopback-address')),
  C('loopback hex shortened', '0x7f.1:443', deny('deny:loopback-address')),
  C('loopback octal', '0177.0.0.1:443', deny('deny:loopback-address')),
  C('loopback shortened', '127.1:443', deny('deny:loopback-address')),
  C('loopback elsewhere in 127/8', '127.255.0.9:443', deny('deny:loopback-address')),
  C('IPv6 loopback', '[::1]:443', deny('deny:loopback-address')),
  C('IPv6 loopback in full', '[0000:0000:0000:0000:0000:0000:0000:0001]:443', deny('deny:loopback-address')),
  C('IPv4-mapped loopback', '[::ffff:127.0.0.1]:443', deny('deny:ipv4-mapped-address')),
  C('IPv4-mapped loopback, long hex', '[0:0:0:0:0:ffff:7f00:1]:443', deny('deny:ipv4-mapped-address')),
  C('unspecified 0', '0:443', deny('deny:unspecified-address')),
  C('unspecified ::', '[::]:443', deny('deny:unspecified-address')),
  C('unbracketed IPv6', '::1:443', deny('deny:invalid-target', 400)),
  C('IPv6 zone id', '[fe80::1%25eth0]:443', deny('deny:address-zone-id')),
  // Cloud metadata in several spellings.
  C('metadata dotted', '169.254.169.254:80', deny('deny:metadata-address')),
  C('metadata hex', '0xa9fea9fe:80', deny('deny:metadata-address')),
  C('metadata decimal', '2852039166:80', deny('deny:metadata-address')),
  C('metadata octal', '0251.0376.0251.0376:80', deny('deny:metadata-address')),
  C('metadata IPv4-mapped', '[::ffff:169.254.169.254]:80', deny('deny:ipv4-mapped-address')),
  C('metadata AWS IPv6', '[fd00:ec2::254]:80', deny('deny:metadata-address')),
  C('metadata AWS IPv6 long form', '[fd00:0ec2:0:0:0:0:0:0254]:80', deny('deny:metadata-address')),
  C('metadata ECS', '169.254.170.2:80', deny('deny:metadata-address')),
  C('metadata Alibaba', '100.100.100.200:80', deny('deny:metadata-address')),
  C('metadata Oracle', '192.0.0.192:80', deny('deny:metadata-address')),
  C('metadata Azure WireServer (public range)', '168.63.129.16:80', deny('deny:metadata-address')),
  // Private, CGNAT, link-local and other special ranges.
  C('RFC 1918 10/8', '10.0.0.1:443', deny('deny:private-address')),
  C('RFC 1918 172.16/12', '172.16.5.4:443', deny('deny:private-address')),
  C('RFC 1918 192.168/16', '192.168.1.1:443', deny('deny:private-address')),
  C('RFC 1918 in hex', '0xc0a80101:443', deny('deny:private-address')),
  C('CGNAT', '100.64.0.1:443', deny('deny:cgnat-address')),
  C('ULA', '[fd12:3456::1]:443', deny('deny:ula-address')),
  C('IPv6 link-local', '[fe80::1]:443', deny('deny:link-local-address')),
  C('IPv4 link-local', '169.254.1.1:443', deny('deny:link-local-address')),
  C('multicast', '224.0.0.1:443', deny('deny:multicast-address')),
  C('broadcast', '255.255.255.255:443', deny('deny:broadcast-address')),
  C('NAT64 embedding a private address', '[64:ff9b::10.0.0.1]:443', deny('deny:private-address')),
  C('6to4 embedding a private address', '[2002:a00:1::1]:443', deny('deny:private-address')),
  C('public address literal', '8.8.8.8:443', deny('deny:address-literal')),
  C('just outside 172.16/12 is still a literal', '172.32.0.1:443', deny('deny:address-literal')),
  // Names that resolve badly: decided after the one lookup, before any connect.
  C('name resolving to a private address', 'internal.example.com:443', deny('deny:private-address')),
  C('DNS answer mixing public and private', 'mixed.example.com:443', deny('deny:private-address')),
  C('name resolving to metadata', 'meta.example.com:443', deny('deny:metadata-address')),
  C('name resolving to IPv6 loopback', 'loop.example.com:443', deny('deny:loopback-address')),
  C('name resolving to an IPv4-mapped address', 'mapped.example.com:443', deny('deny:ipv4-mapped-address')),
  C('name resolving to CGNAT', 'cgnat.example.com:443', deny('deny:cgnat-address')),
  // Allowed, but not found: a decision of its own, never read as a success or a policy denial.
  C('name that does not resolve', 'nx.example.com:443', {
    status: 502,
    rule: 'deny:dns-failure',
    decision: 'failed',
  }),
  C('name with no addresses', 'empty.example.com:443', deny('deny:dns-no-address', 502)),
  C(
    'several public answers: the first is dialled',
    'multi.example.com:443',
    allow('allow:*.example.com', PUBLIC_B),
  ),
  // allowCidrs exceptions.
  C('allowCidrs lets a name reach its range', 'svc.example.com:443', {
    policy: CIDR_10_20,
    ...allow('allow:*.example.com', '10.20.1.2'),
  }),
  C('allowCidrs lets a literal in', '10.20.1.2:443', {
    policy: CIDR_10_20,
    ...allow('allow:cidr:10.20.0.0/16', '10.20.1.2'),
  }),
  C('allowCidrs literal still needs an allowed port', '10.20.1.2:22', {
    policy: CIDR_10_20,
    ...deny('deny:port'),
  }),
  C('allowCidrs does not open neighbours', '10.21.0.1:443', {
    policy: CIDR_10_20,
    ...deny('deny:private-address'),
  }),
  C('a broad range does not open metadata', '169.254.169.254:80', {
    policy: { ...BASE, allowCidrs: ['169.254.0.0/16'] },
    ...deny('deny:metadata-address'),
  }),
  C('allowing 127.0.0.1/32 does not allow its mapped spelling', '[::ffff:127.0.0.1]:443', {
    policy: { ...BASE, allowCidrs: ['127.0.0.1/32'] },
    ...deny('deny:ipv4-mapped-address'),
  }),
  // Plain HTTP.
  H('plain HTTP allowed', 'http://api.example.org/path?q=1', allow('allow:api.example.org', PUBLIC_B)),
  H('Host differs in case and trailing dot only', 'http://api.example.org/', {
    hostHeader: 'API.Example.ORG.',
    ...allow('allow:api.example.org', PUBLIC_B),
  }),
  H('Host with the default port spelled out', 'http://api.example.org/', {
    hostHeader: 'api.example.org:80',
    ...allow('allow:api.example.org', PUBLIC_B),
  }),
  H('Host naming another host', 'http://api.example.org/', {
    hostHeader: 'evil.example.net',
    ...deny('deny:host-mismatch'),
  }),
  H('Host naming another port', 'http://api.example.org/', {
    hostHeader: 'api.example.org:8080',
    ...deny('deny:host-mismatch'),
  }),
  H('two Host headers', 'http://api.example.org/', {
    hostHeader: ['api.example.org', 'internal.example.com'],
    ...deny('deny:host-mismatch'),
  }),
  H('plain HTTP to a non-allowed host', 'http://not-allowed.net/', deny('deny:not-allowlisted')),
  H('plain HTTP to a percent-encoded name', 'http://api.exa%6Dple.org/', deny('deny:non-canonical-host')),
  H('plain HTTP to a refused port', 'http://api.example.org:8080/', deny('deny:port')),
  H('plain HTTP to loopback in decimal', 'http://2130706433/', deny('deny:loopback-address')),
  H('plain HTTP to metadata', 'http://169.254.169.254/latest/meta-data/', deny('deny:metadata-address')),
  H(
    'plain HTTP to a name resolving to a private address',
    'http://internal.example.com/',
    deny('deny:private-address'),
  ),
  H('user info in the target', 'http://api.example.org@evil.example.net/', deny('deny:invalid-target', 400)),
  H('https absolute URI', 'https://api.example.org/', deny('deny:invalid-target', 400)),
  H('origin-form request', '/index.html', {
    hostHeader: 'api.example.org',
    ...deny('deny:origin-form', 400),
  }),
  // Report mode: allowlist and port denials are recorded and let through; address safety still holds.
  C('report: not allowlisted', 'not-allowed.net:443', {
    policy: REPORT,
    ...reported('deny:not-allowlisted', PUBLIC_A),
  }),
  C('report: deny pattern', 'blocked.example.com:443', {
    policy: REPORT,
    ...reported('deny:host:blocked.example.com', PUBLIC_A),
  }),
  C('report: refused port', 'api.example.org:22', { policy: REPORT, ...reported('deny:port', PUBLIC_B) }),
  C('report: public literal', '8.8.8.8:443', {
    policy: REPORT,
    ...reported('deny:address-literal', '8.8.8.8'),
  }),
  C('report: loopback still refused', '127.0.0.1:443', { policy: REPORT, ...deny('deny:loopback-address') }),
  C('report: metadata still refused', '169.254.169.254:80', {
    policy: REPORT,
    ...deny('deny:metadata-address'),
  }),
  C('report: private answer still refused', 'internal.example.com:443', {
    policy: REPORT,
    ...deny('deny:private-address'),
  }),
  C('report: allowed stays allowed', 'www.example.com:443', {
    policy: REPORT,
    ...allow('allow:*.example.com', PUBLIC_A),
  }),
  H('report: Host mismatch still refused', 'http://api.example.org/', {
    policy: REPORT,
    hostHeader: 'evil.example.net',
    ...deny('deny:host-mismatch'),
  }),
  H('report: plain HTTP to a non-allowed host', 'http://not-allowed.net/', {
    policy: REPORT,
    ...reported('deny:not-allowlisted', PUBLIC_A),
  }),
];

describe('egress conformance', () => {
  let echo: Awaited<ReturnType<typeof startEcho>>;
  let web: Awaited<ReturnType<typeof startHttpUpstream>>;
  beforeAll(async () => {
    echo = await startEcho();
    web = await startHttpUpstream();
  });
  afterAll(() => {
    echo.server.close();
    web.server.close();
  });

  it('has a table of at least 45 cases', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(45);
    expect(new Set(CASES.map((c) => c.name)).size).toBe(CASES.length);
  });

  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const sink = memorySink();
    const dialled: string[] = [];
    const gate = await startGate({
      policy: testPolicy(c.policy ?? BASE),
      session: 'conformance',
      sink,
      host: '127.0.0.1',
      port: 0,
      resolver: tableResolver(DNS),
      // Record the checked address, then go to a loopback server instead of the real destination.
      connector: (address, _port, reader) => {
        dialled.push(address);
        return connect({
          host: '127.0.0.1',
          port: c.via === 'CONNECT' ? echo.port : web.port,
          allowHalfOpen: true,
          ...(reader ? { onread: reader } : {}),
        });
      },
      log: () => undefined,
    });
    try {
      let status: number;
      if (c.via === 'CONNECT') {
        const client = await connectVia(gate.port, c.target);
        status = (await client.head()).status;
        if (status === 200) {
          // The opening the first-bytes check expects (tunnel-check tests cover the refusals).
          client.socket.write(Buffer.concat([tunnelOpening(c.target), Buffer.from('ping')]));
          await client.waitFor('ping');
        }
        client.socket.end();
        await client.closed();
      } else {
        const authority = /^[a-z]+:\/\/([^/]*)/.exec(c.target)?.[1] ?? '';
        const hosts = c.hostHeader === undefined ? [authority] : [c.hostHeader].flat();
        const headers = hosts.map((h) => `Host: ${h}\r\n`).join('');
        const client = await rawRequest(
          gate.port,
          `GET ${c.target} HTTP/1.1\r\n${headers}Connection: close\r\n\r\n`,
        );
        status = (await client.head()).status;
        const body = await client.closed();
        if (status === 200) expect(JSON.parse(body)).toMatchObject({ method: 'GET' });
      }
      expect(status).toBe(c.status);
      await until(() => sink.events.length > 0, 'the decision event');
      const event = sink.events[0];
      expect(event).toMatchObject({ source: 'egress', rule: c.rule, decision: c.decision, method: c.via });
      expect(event?.forwarded).toBe(c.dial !== undefined);
      if (c.dial === undefined) expect(dialled).toEqual([]);
      else {
        expect(dialled).toEqual([c.dial]);
        expect(event?.address).toBe(c.dial);
      }
    } finally {
      await gate.close({ drainMs: 1_000 });
    }
  });
});
