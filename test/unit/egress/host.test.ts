import { describe, expect, it } from 'vitest';
import { hostText, normaliseHost, parseAuthority } from '../../../src/policy/egress/index.js';

const text = (raw: string): string => {
  const parsed = normaliseHost(raw);
  return `${parsed.kind}:${hostText(parsed, raw)}`;
};
const canonical = (raw: string): boolean | null => {
  const parsed = normaliseHost(raw);
  return parsed.kind === 'invalid' ? null : parsed.canonical;
};

describe('normaliseHost', () => {
  it.each([
    ['example.com', 'name:example.com'],
    ['EXAMPLE.Com', 'name:example.com'],
    ['example.com.', 'name:example.com'],
    ['bücher.example', 'name:xn--bcher-kva.example'],
    ['exa%6Dple.com', 'name:example.com'],
    ['_dmarc.example.com', 'name:_dmarc.example.com'],
    ['localhost', 'name:localhost'],
    ['127.0.0.1', 'address:127.0.0.1'],
    ['127.0.0.1.', 'address:127.0.0.1'],
    ['2130706433', 'address:127.0.0.1'],
    ['0x7f.1', 'address:127.0.0.1'],
    ['0x7F000001', 'address:127.0.0.1'],
    ['0177.0.0.1', 'address:127.0.0.1'],
    ['017700000001', 'address:127.0.0.1'],
    ['127.1', 'address:127.0.0.1'],
    ['127.0.1', 'address:127.0.0.1'],
    ['１２７.0.0.1', 'address:127.0.0.1'],
    ['127%2E0.0.1', 'address:127.0.0.1'],
    ['0', 'address:0.0.0.0'],
    ['[::1]', 'address:[::1]'],
    ['[0:0:0:0:0:0:0:1]', 'address:[::1]'],
    ['[::FFFF:127.0.0.1]', 'address:[::ffff:7f00:1]'],
    ['[0:0:0:0:0:ffff:7f00:1]', 'address:[::ffff:7f00:1]'],
    ['::1', 'address:[::1]'],
    ['[fe80::1%25eth0]', 'address:[fe80::1]'],
    ['example.com..', 'invalid:example.com..'],
    ['.example.com', 'invalid:.example.com'],
    ['a..b', 'invalid:a..b'],
    ['exa mple.com', 'invalid:exa mple.com'],
    ['a*b.com', 'invalid:a*b.com'],
    ['user@example.com', 'invalid:user@example.com'],
    ['example.com/path', 'invalid:example.com/path'],
    ['1.2.3.4.5', 'invalid:1.2.3.4.5'],
    ['4294967296', 'invalid:4294967296'],
    ['09.1.1.1', 'invalid:09.1.1.1'],
    ['[::1', 'invalid:[::1'],
    ['[1.2.3.4]', 'invalid:[1.2.3.4]'],
    ['', 'invalid:'],
  ])('%s → %s', (raw, expected) => {
    expect(text(raw)).toBe(expected);
  });

  it.each([
    ['example.com', true],
    ['EXAMPLE.Com', true],
    ['example.com.', true],
    ['127.0.0.1', true],
    ['127.0.0.1.', true],
    ['[::1]', true],
    ['[2001:DB8::1]', true],
    ['exa%6Dple.com', false],
    ['ｅxample.com', false],
    ['bücher.example', false],
    ['xn--bcher-kva.example', true],
    ['2130706433', false],
    ['0x7f.1', false],
    ['127.1', false],
    ['１２７.0.0.1', false],
    ['127%2E0.0.1', false],
    ['[0:0:0:0:0:0:0:1]', false],
  ])('%s is canonical: %s (one normaliser decides, for the wire and the pure function)', (raw, expected) => {
    expect(canonical(raw)).toBe(expected);
  });

  it('keeps the zone id apart from the address', () => {
    expect(normaliseHost('[fe80::1%25eth0]')).toMatchObject({ kind: 'address', zone: 'eth0' });
    expect(normaliseHost('fe80::1%eth0')).toMatchObject({ kind: 'address', zone: 'eth0' });
    expect(normaliseHost('[::1]')).toMatchObject({ kind: 'address', zone: null });
  });
});

describe('parseAuthority', () => {
  it.each([
    ['example.com:443', null, { host: 'example.com', port: 443 }],
    ['[::1]:8443', null, { host: '[::1]', port: 8443 }],
    ['example.com', 80, { host: 'example.com', port: 80 }],
    ['[::1]', 80, { host: '[::1]', port: 80 }],
    ['example.com:0443', null, { host: 'example.com', port: 443 }],
  ] as const)('%s', (authority, defaultPort, expected) => {
    expect(parseAuthority(authority, defaultPort)).toEqual(expected);
  });

  it.each([
    ['example.com', null],
    ['example.com:', null],
    ['example.com:0', null],
    ['example.com:65536', null],
    ['example.com:+443', null],
    ['example.com:443x', null],
    ['::1:443', null],
    ['[::1]443', null],
    [':443', null],
    ['[]:443', null],
  ] as const)('refuses %s', (authority, defaultPort) => {
    expect(parseAuthority(authority, defaultPort)).toBeNull();
  });
});
