import { describe, expect, it } from 'vitest';
import {
  cidrContains,
  classifyAddress,
  parseCidr,
  parseIpAddress,
} from '../../../src/policy/egress/index.js';

const category = (text: string): string => {
  const address = parseIpAddress(text);
  if (address === null) throw new Error(`not an address: ${text}`);
  return classifyAddress(address).category;
};

describe('classifyAddress', () => {
  it.each([
    ['8.8.8.8', 'public'],
    ['1.1.1.1', 'public'],
    ['172.32.0.1', 'public'],
    ['100.128.0.1', 'public'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['127.0.0.1', 'loopback'],
    ['127.200.1.1', 'loopback'],
    ['10.255.255.255', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.0.1', 'private'],
    ['100.64.0.1', 'cgnat'],
    ['100.127.255.255', 'cgnat'],
    ['169.254.0.1', 'link-local'],
    ['169.254.169.254', 'metadata'],
    ['169.254.170.2', 'metadata'],
    ['100.100.100.200', 'metadata'],
    ['192.0.0.192', 'metadata'],
    ['168.63.129.16', 'metadata'],
    ['192.0.0.8', 'reserved'],
    ['192.0.2.1', 'documentation'],
    ['198.51.100.1', 'documentation'],
    ['203.0.113.1', 'documentation'],
    ['198.18.0.1', 'benchmarking'],
    ['224.0.0.251', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.255', 'broadcast'],
    ['2606:4700::1111', 'public'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['::ffff:8.8.8.8', 'ipv4-mapped'],
    ['::ffff:127.0.0.1', 'ipv4-mapped'],
    ['::127.0.0.1', 'reserved'],
    ['64:ff9b::8.8.8.8', 'public'],
    ['64:ff9b::10.0.0.1', 'private'],
    ['64:ff9b::169.254.169.254', 'metadata'],
    ['64:ff9b:1::1', 'reserved'],
    ['2002:0808:0808::1', 'public'],
    ['2002:7f00:1::1', 'loopback'],
    ['2002:c0a8:101::1', 'private'],
    ['2001::1', 'reserved'],
    ['2001:db8::1', 'documentation'],
    ['3fff::1', 'documentation'],
    ['fc00::1', 'ula'],
    ['fd00::1', 'ula'],
    ['fd00:ec2::254', 'metadata'],
    ['fd20:ce::254', 'metadata'],
    ['fe80::1', 'link-local'],
    ['febf::1', 'link-local'],
    ['fec0::1', 'private'],
    ['ff02::1', 'multicast'],
    ['100::1', 'reserved'],
    ['4000::1', 'reserved'],
  ])('%s is %s', (text, expected) => {
    expect(category(text)).toBe(expected);
  });
});

describe('CIDRs', () => {
  it('parses, clears host bits and matches within one family only', () => {
    const cidr = parseCidr('10.20.30.40/16');
    expect(cidr?.text).toBe('10.20.0.0/16');
    const inside = parseIpAddress('10.20.99.1');
    const mapped = parseIpAddress('::ffff:10.20.99.1');
    if (cidr === null || inside === null || mapped === null) throw new Error('parse failed');
    expect(cidrContains(cidr, inside)).toBe(true);
    expect(cidrContains(cidr, mapped)).toBe(false);
    expect(parseCidr('fd00:ec2::254')?.text).toBe('fd00:ec2::254/128');
    expect(parseCidr('fd00::/7')?.text).toBe('fc00::/7');
    expect(parseCidr('10.0.0.0/33')).toBeNull();
    expect(parseCidr('010.0.0.0/8')).toBeNull();
    expect(parseCidr('example.com/8')).toBeNull();
  });
});
