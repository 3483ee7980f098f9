import { describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.js';
import { writeProfiles } from './helpers.js';

const PASSWORD = 'pw-S3cr3t-9f8e7d';

async function validate(text: string) {
  const dir = writeProfiles({ 'p.yaml': text });
  return runCli(['profiles', 'validate', 'p.yaml'], { cwd: dir });
}

const mcp = (server: string) => `name: p\nmcp:\n  servers:\n    s:\n${server}`;

describe('MCP servers are approved by exact URL or exact argv only', () => {
  it.each([
    [
      'a wildcard subdomain',
      '      url: https://*.example-workers.test/mcp\n',
      /mcp\.servers\.s\.url: must be an exact URL: `\*` is not allowed/,
    ],
    [
      'a wildcard path',
      '      url: https://mcp.example.com/*\n',
      /mcp\.servers\.s\.url: must be an exact URL/,
    ],
    [
      'a wildcard command',
      '      command: /opt/mcp/*\n',
      /mcp\.servers\.s\.command: must be an exact command/,
    ],
    [
      'a wildcard argument',
      '      command: /opt/mcp/server\n      args: ["--root", "*"]\n',
      /mcp\.servers\.s\.args\[1\]: must be an exact argument/,
    ],
    [
      'the metadata address',
      '      url: https://169.254.169.254/latest\n',
      /mcp\.servers\.s\.url: the server's host joins the egress allowlist, and it is an address literal.*\(cloud metadata \(AWS, GCP/,
    ],
    [
      'the Azure WireServer',
      '      url: https://168.63.129.16/mcp\n',
      /\(cloud metadata \(Azure WireServer\)\)/,
    ],
    [
      'a private address',
      '      url: https://10.1.2.3/mcp\n',
      /is an address literal.*\(private \(RFC 1918\)\)/,
    ],
    [
      'an IPv6 literal',
      '      url: https://[fd00:ec2::254]/mcp\n',
      /is an address literal.*\(cloud metadata \(AWS IMDS IPv6\)\)/,
    ],
    ['a single-label host', '      url: https://intranet/mcp\n', /is a single-label name/],
  ])('refuses %s', async (_what, server, expected) => {
    const r = await validate(mcp(server));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(expected);
  });

  it('refuses an MCP host the parent denies, as it would an egress.allow entry', async () => {
    const dir = writeProfiles({
      'parent.yaml': 'name: parent\negress:\n  deny: ["*.paste.example.com"]\n',
      'child.yaml':
        'name: child\nextends: ./parent.yaml\nmcp:\n  servers:\n    s:\n      url: https://x.paste.example.com/mcp\n',
    });
    const r = await runCli(['profiles', 'validate', 'child.yaml'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /child\.yaml:6: mcp\.servers\.s\.url: the server's host is one the parent denies/,
    );
  });

  it('accepts an exact https server on a named host and adds just that host to the allowlist', async () => {
    const dir = writeProfiles({ 'p.yaml': mcp('      url: https://mcp.docs.example.com/mcp\n') });
    const r = await runCli(['profiles', 'show', 'p.yaml', '--render', 'egress'], { cwd: dir });
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as { allowHosts: string[] }).allowHosts).toEqual(['mcp.docs.example.com']);
  });
});

describe('URLs with credentials are refused wherever the schema takes a URL', () => {
  const withUserinfo = `https://collector:${PASSWORD}@otel.example.com:4318`;
  it.each([
    [
      'telemetry.otlpEndpoint',
      `name: p\ntelemetry:\n  otlpEndpoint: ${withUserinfo}\n`,
      /p\.yaml:3: telemetry\.otlpEndpoint: carries credentials in the URL/,
    ],
    [
      'mcp.servers.*.url',
      mcp(`      url: https://u:${PASSWORD}@mcp.example.com/mcp\n`),
      /mcp\.servers\.s\.url: carries credentials/,
    ],
    [
      'mcp.denied[].url',
      `name: p\nmcp:\n  denied:\n    - url: "https://u:${PASSWORD}@*"\n`,
      /mcp\.denied\[0\]\.url: carries credentials/,
    ],
    [
      'locks.allowedHttpHookUrls',
      `name: p\nlocks:\n  allowedHttpHookUrls: ["https://hook:${PASSWORD}@hooks.example.com/*"]\n`,
      /locks\.allowedHttpHookUrls\[0\]: carries credentials/,
    ],
    [
      'locks.strictKnownMarketplaces[].url',
      `name: p\nlocks:\n  strictKnownMarketplaces:\n    - source: git\n      url: https://git:${PASSWORD}@git.example.com/m.git\n`,
      /strictKnownMarketplaces\[0\]\.url: carries credentials/,
    ],
  ])('%s', async (_field, text, expected) => {
    const r = await validate(text);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(expected);
    expect(r.stderr).toMatch(/hand secrets in through credentials:/);
    expect(`${r.stdout}${r.stderr}`).not.toContain(PASSWORD);
  });

  it('never compiles or diffs the password', async () => {
    const dir = writeProfiles({ 'p.yaml': `name: p\ntelemetry:\n  otlpEndpoint: ${withUserinfo}\n` });
    for (const argv of [
      ['profiles', 'diff', 'low-risk', 'p.yaml'],
      ['profiles', 'diff', '--json', 'low-risk', 'p.yaml'],
      ['profiles', 'show', 'p.yaml', '--render', 'settings'],
      ['profiles', 'validate', '--json', 'p.yaml'],
    ]) {
      const r = await runCli(argv, { cwd: dir });
      expect(r.code).toBe(2);
      expect(`${r.stdout}${r.stderr}`).not.toContain(PASSWORD);
    }
  });

  it('accepts an OTLP endpoint without credentials', async () => {
    expect(
      (await validate('name: p\ntelemetry:\n  otlpEndpoint: https://otel.example.com:4318\n')).code,
    ).toBe(0);
  });
});
