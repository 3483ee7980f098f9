import { cidrContains, ipv4Text, parseCidr, parseIpv4 } from './address.js';
import type { Cidr, IpAddress } from './address.js';

/** Why an address is not an ordinary public destination; `public` when it is one. */
export type AddressCategory =
  | 'public'
  | 'unspecified'
  | 'loopback'
  | 'private'
  | 'cgnat'
  | 'ula'
  | 'link-local'
  | 'multicast'
  | 'broadcast'
  | 'documentation'
  | 'benchmarking'
  | 'reserved'
  | 'metadata'
  | 'ipv4-mapped';

/** The classification of one address, with a short human label for the one-line reason. */
export interface AddressClass {
  category: AddressCategory;
  /** e.g. `private (RFC 1918)`, `cloud metadata (AWS, GCP, Azure)`, `6to4 embedding 10.0.0.1: private (RFC 1918)`. */
  label: string;
}

interface Range {
  cidr: string;
  category: Exclude<AddressCategory, 'public'>;
  label: string;
}

// The one table of special addresses: the gate decides with it, the profile validator refuses ranges
// with it and `profiles diff` names ranges with it (src/profile, src/policy/diff.ts).
// Why a list of exact metadata addresses ahead of the ranges: they are the most valuable target of an
// agent-driven SSRF (instance credentials), and allowCidrs may only unlock them by naming them exactly.
// 168.63.129.16 (Azure WireServer) sits in public space, so no range rule would catch it.
const METADATA: Range[] = [
  {
    cidr: '169.254.169.254/32',
    category: 'metadata',
    label: 'cloud metadata (AWS, GCP, Azure, Oracle, DigitalOcean, Hetzner, OpenStack, ...)',
  },
  { cidr: '169.254.170.2/32', category: 'metadata', label: 'cloud metadata (AWS ECS task credentials)' },
  { cidr: '169.254.170.23/32', category: 'metadata', label: 'cloud metadata (AWS EKS Pod Identity)' },
  { cidr: '169.254.169.253/32', category: 'metadata', label: 'cloud metadata (AWS DNS)' },
  { cidr: '169.254.169.123/32', category: 'metadata', label: 'cloud metadata (AWS time sync)' },
  { cidr: '169.254.0.23/32', category: 'metadata', label: 'cloud metadata (Tencent Cloud)' },
  { cidr: '169.254.42.42/32', category: 'metadata', label: 'cloud metadata (Scaleway)' },
  { cidr: '100.100.100.200/32', category: 'metadata', label: 'cloud metadata (Alibaba Cloud)' },
  { cidr: '192.0.0.192/32', category: 'metadata', label: 'cloud metadata (Oracle Cloud, legacy)' },
  { cidr: '168.63.129.16/32', category: 'metadata', label: 'cloud metadata (Azure WireServer)' },
  { cidr: 'fd00:ec2::254/128', category: 'metadata', label: 'cloud metadata (AWS IMDS IPv6)' },
  { cidr: 'fd00:ec2::253/128', category: 'metadata', label: 'cloud metadata (AWS DNS IPv6)' },
  { cidr: 'fd00:ec2::123/128', category: 'metadata', label: 'cloud metadata (AWS time sync IPv6)' },
  { cidr: 'fd00:ec2::23/128', category: 'metadata', label: 'cloud metadata (AWS EKS Pod Identity IPv6)' },
  { cidr: 'fd20:ce::254/128', category: 'metadata', label: 'cloud metadata (GCP IPv6)' },
  { cidr: 'fd00:c1::a9fe:a9fe/128', category: 'metadata', label: 'cloud metadata (Oracle Cloud IPv6)' },
  { cidr: 'fd00:42::42/128', category: 'metadata', label: 'cloud metadata (Scaleway IPv6)' },
];

// IANA special-purpose registries (RFC 6890 and successors); most specific entries first.
const IPV4: Range[] = [
  { cidr: '0.0.0.0/8', category: 'unspecified', label: 'this network (0.0.0.0/8)' },
  { cidr: '10.0.0.0/8', category: 'private', label: 'private (RFC 1918)' },
  { cidr: '100.64.0.0/10', category: 'cgnat', label: 'carrier-grade NAT (RFC 6598)' },
  { cidr: '127.0.0.0/8', category: 'loopback', label: 'loopback' },
  { cidr: '169.254.0.0/16', category: 'link-local', label: 'link-local' },
  { cidr: '172.16.0.0/12', category: 'private', label: 'private (RFC 1918)' },
  { cidr: '192.0.0.0/24', category: 'reserved', label: 'IETF protocol assignments (192.0.0.0/24)' },
  { cidr: '192.0.2.0/24', category: 'documentation', label: 'documentation (TEST-NET-1)' },
  { cidr: '192.88.99.0/24', category: 'reserved', label: '6to4 relay anycast (deprecated)' },
  { cidr: '192.168.0.0/16', category: 'private', label: 'private (RFC 1918)' },
  { cidr: '198.18.0.0/15', category: 'benchmarking', label: 'benchmarking (RFC 2544)' },
  { cidr: '198.51.100.0/24', category: 'documentation', label: 'documentation (TEST-NET-2)' },
  { cidr: '203.0.113.0/24', category: 'documentation', label: 'documentation (TEST-NET-3)' },
  { cidr: '224.0.0.0/4', category: 'multicast', label: 'multicast' },
  { cidr: '255.255.255.255/32', category: 'broadcast', label: 'limited broadcast' },
  { cidr: '240.0.0.0/4', category: 'reserved', label: 'reserved (240.0.0.0/4)' },
];

const IPV6: Range[] = [
  { cidr: '::/128', category: 'unspecified', label: 'unspecified (::)' },
  { cidr: '::1/128', category: 'loopback', label: 'loopback (::1)' },
  { cidr: 'fc00::/7', category: 'ula', label: 'unique local (fc00::/7)' },
  { cidr: 'fe80::/10', category: 'link-local', label: 'link-local (fe80::/10)' },
  { cidr: 'fec0::/10', category: 'private', label: 'site-local (deprecated)' },
  { cidr: 'ff00::/8', category: 'multicast', label: 'multicast' },
  { cidr: '::/96', category: 'reserved', label: 'IPv4-compatible (deprecated)' },
  { cidr: '64:ff9b:1::/48', category: 'reserved', label: 'local-use NAT64 (RFC 8215)' },
  { cidr: '100::/64', category: 'reserved', label: 'discard-only (RFC 6666)' },
  { cidr: '2001::/32', category: 'reserved', label: 'Teredo tunnel' },
  { cidr: '2001:2::/48', category: 'benchmarking', label: 'benchmarking (RFC 5180)' },
  { cidr: '2001:10::/28', category: 'reserved', label: 'ORCHID (deprecated)' },
  { cidr: '2001:20::/28', category: 'reserved', label: 'ORCHIDv2' },
  { cidr: '2001:db8::/32', category: 'documentation', label: 'documentation (2001:db8::/32)' },
  { cidr: '3fff::/20', category: 'documentation', label: 'documentation (3fff::/20)' },
  { cidr: '5f00::/16', category: 'reserved', label: 'SRv6 SIDs' },
];

// Prefixes that carry an IPv4 address inside an IPv6 one: judged by the IPv4 they embed.
const MAPPED = must('::ffff:0:0/96');
const NAT64 = must('64:ff9b::/96');
const SIX_TO_FOUR = must('2002::/16');
// Why: only 2000::/3 is allocated as global unicast; anything else outside the table is unassigned.
const GLOBAL_UNICAST = must('2000::/3');

interface CompiledRange extends Range {
  parsed: Cidr;
}

const compile = (ranges: Range[]): readonly CompiledRange[] =>
  Object.freeze(ranges.map((range) => ({ ...range, parsed: must(range.cidr) })));
const METADATA_RANGES = compile(METADATA);
const IPV4_RANGES = compile(IPV4);
const IPV6_RANGES = compile(IPV6);

function must(text: string): Cidr {
  const cidr = parseCidr(text);
  if (cidr === null) throw new Error(`bad built-in range ${text}`);
  return cidr;
}

const PUBLIC: AddressClass = Object.freeze({ category: 'public', label: 'public' });

/**
 * Classifies an address. Why the embedded IPv4 checks: NAT64, 6to4 and mapped addresses reach an IPv4
 * host, so `64:ff9b::10.0.0.1` must be judged as 10.0.0.1, and the mapped spelling is refused outright.
 */
export function classifyAddress(address: IpAddress): AddressClass {
  const metadata = METADATA_RANGES.find((range) => cidrContains(range.parsed, address));
  if (metadata) return { category: metadata.category, label: metadata.label };
  if (address.family === 4) {
    const range = IPV4_RANGES.find((r) => cidrContains(r.parsed, address));
    return range ? { category: range.category, label: range.label } : PUBLIC;
  }
  if (cidrContains(MAPPED, address)) {
    const inner = embedded(address.bytes.subarray(12, 16));
    return { category: 'ipv4-mapped', label: `IPv4-mapped IPv6 of ${inner.text}` };
  }
  for (const [prefix, name, offset] of [
    [NAT64, 'NAT64', 12],
    [SIX_TO_FOUR, '6to4', 2],
  ] as const) {
    if (!cidrContains(prefix, address)) continue;
    const inner = embedded(address.bytes.subarray(offset, offset + 4));
    const innerClass = classifyAddress(inner);
    if (innerClass.category === 'public') return PUBLIC;
    return { category: innerClass.category, label: `${name} embedding ${inner.text}: ${innerClass.label}` };
  }
  const range = IPV6_RANGES.find((r) => cidrContains(r.parsed, address));
  if (range) return { category: range.category, label: range.label };
  if (!cidrContains(GLOBAL_UNICAST, address)) return { category: 'reserved', label: 'not global unicast' };
  return PUBLIC;
}

function embedded(bytes: Uint8Array): IpAddress {
  const parsed = parseIpv4(ipv4Text(bytes));
  if (parsed === null) throw new Error('unreachable: four bytes always form an IPv4 address');
  return parsed;
}

/** A metadata address of the table: its exact range and what it is. */
export interface MetadataAddress {
  cidr: Cidr;
  label: string;
}

/** The metadata addresses inside `range` (all of them for 0.0.0.0/0), for the profile validator. */
export function metadataInside(range: Cidr): MetadataAddress[] {
  return METADATA_RANGES.filter(
    (m) =>
      m.parsed.family === range.family &&
      cidrContains(range, { family: m.parsed.family, bytes: m.parsed.bytes, text: '' }),
  ).map((m) => ({ cidr: m.parsed, label: m.label }));
}

/**
 * What a range is, named from the table: an exact metadata address by its cloud, any other range by
 * the class of its network address. Why: `profiles diff` shows `169.254.169.254/32 (cloud metadata …)`
 * so a reviewer sees what an added range opens.
 */
export function describeRange(range: Cidr): AddressClass {
  const metadata = metadataInside(range);
  const full = range.family === 4 ? 32 : 128;
  if (metadata.length > 0 && range.prefix === full)
    return { category: 'metadata', label: metadata[0]?.label ?? '' };
  return classifyAddress({ family: range.family, bytes: range.bytes, text: range.text.split('/')[0] ?? '' });
}
