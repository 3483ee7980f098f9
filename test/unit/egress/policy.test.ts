import { describe, expect, it } from 'vitest';
import {
  compileEgressPolicy,
  compilePatterns,
  decideAddresses,
  decideTarget,
  EgressPolicyError,
  matchHost,
  normalisePattern,
  parseEgressPolicy,
} from '../../../src/policy/egress/index.js';
import { testPolicy } from './helpers.js';

describe('host patterns', () => {
  it('normalises patterns like hosts and refuses those that cannot mean what they say', () => {
    expect(normalisePattern('*.Example.COM.')).toEqual({ pattern: '*.example.com' });
    expect(normalisePattern('Bücher.example')).toEqual({ pattern: 'xn--bcher-kva.example' });
    for (const bad of [
      '*',
      '*.com',
      'a.*.com',
      '*example.com',
      '10.0.0.1',
      '[::1]',
      'example.com:443',
      'a..b',
    ]) {
      expect(normalisePattern(bad)).toHaveProperty('problem');
    }
  });

  it('matches wildcards at label boundaries only and prefers the exact pattern', () => {
    const patterns = compilePatterns(['*.example.com', 'www.example.com', 'example.org']);
    expect(matchHost(patterns, 'a.b.example.com')).toBe('*.example.com');
    expect(matchHost(patterns, 'www.example.com')).toBe('www.example.com');
    expect(matchHost(patterns, 'example.com')).toBeNull();
    expect(matchHost(patterns, 'evil-example.com')).toBeNull();
    expect(matchHost(patterns, 'example.org')).toBe('example.org');
    expect(matchHost(patterns, 'www.example.org')).toBeNull();
  });
});

describe('policy files', () => {
  it('accepts a complete policy and names every bad field of a broken one', () => {
    expect(parseEgressPolicy(JSON.parse(JSON.stringify(testPolicy())))).toEqual(testPolicy());
    try {
      parseEgressPolicy({ mode: 'open', allowHosts: 'x', ports: [0], maxTunnels: -1, extra: 1 });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(EgressPolicyError);
      const problems = (error as EgressPolicyError).problems.join('\n');
      for (const field of [
        'mode',
        'allowHosts',
        'denyHosts',
        'ports',
        'maxTunnels',
        'policyVersion',
        'extra',
      ]) {
        expect(problems).toContain(field);
      }
    }
  });

  it('refuses bad patterns and ranges at compile time', () => {
    expect(() => compileEgressPolicy(testPolicy({ allowHosts: ['*'], allowCidrs: ['10.0.0.0/99'] }))).toThrow(
      /allowHosts\[0\].*allowCidrs\[0\]/,
    );
  });
});

describe('decisions', () => {
  const enforce = compileEgressPolicy(
    testPolicy({ allowHosts: ['*.example.com'], allowCidrs: ['169.254.169.254/32'] }),
  );
  const report = compileEgressPolicy(testPolicy({ mode: 'report', allowHosts: ['*.example.com'] }));

  it('names need a lookup; literals carry the address to dial', () => {
    expect(decideTarget(enforce, { host: 'www.example.com', port: 443 })).toMatchObject({
      kind: 'name',
      decision: 'allow',
      address: null,
    });
    expect(decideTarget(enforce, { host: '169.254.169.254', port: 80 })).toMatchObject({
      kind: 'address',
      decision: 'allow',
      rule: 'allow:cidr:169.254.169.254/32',
      address: '169.254.169.254',
    });
  });

  it('refuses a host that needs decoding even where its decoded form is allowed, in every mode', () => {
    for (const [policy, host] of [
      [enforce, '0xa9fea9fe'],
      [enforce, 'www.exa%6Dple.com'],
      [enforce, 'ｗｗｗ.example.com'],
      [report, 'www.exa%6Dple.com'],
    ] as const) {
      expect(decideTarget(policy, { host, port: 443 })).toMatchObject({
        decision: 'deny',
        rule: 'deny:non-canonical-host',
        forwarded: false,
      });
    }
  });

  it('report mode records allowlist denials as forwarded, never address-safety ones', () => {
    const soft = decideTarget(report, { host: 'elsewhere.net', port: 443 });
    expect(soft).toMatchObject({ decision: 'deny', rule: 'deny:not-allowlisted', forwarded: true });
    expect(decideAddresses(report, soft, ['93.184.215.14'])).toMatchObject({
      decision: 'deny',
      forwarded: true,
      candidates: ['93.184.215.14'],
    });
    expect(decideAddresses(report, soft, ['93.184.215.14', '10.0.0.1'])).toMatchObject({
      decision: 'deny',
      rule: 'deny:private-address',
      forwarded: false,
      address: '10.0.0.1',
      candidates: [],
    });
    expect(decideTarget(report, { host: '[::1]', port: 443 })).toMatchObject({ forwarded: false });
  });

  it('checks every answer and dedupes the ones it may dial', () => {
    const target = decideTarget(enforce, { host: 'www.example.com', port: 443 });
    expect(
      decideAddresses(enforce, target, ['93.184.215.14', '93.184.215.14', '2606:4700::1111']),
    ).toMatchObject({
      decision: 'allow',
      candidates: ['93.184.215.14', '2606:4700::1111'],
    });
    expect(decideAddresses(enforce, target, ['not-an-address'])).toMatchObject({
      rule: 'deny:invalid-address',
    });
    expect(decideAddresses(enforce, target, [])).toMatchObject({
      rule: 'deny:dns-no-address',
      forwarded: false,
    });
  });
});
