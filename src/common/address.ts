import { isIPv6 } from 'node:net';

/** An IP address as the gate reasons about it: family, network-order bytes and one canonical spelling. */
export interface IpAddress {
  family: 4 | 6;
  bytes: Uint8Array;
  /** Canonical text: dotted decimal for IPv4, RFC 5952 compressed lower case for IPv6 (no brackets). */
  text: string;
}

/** An address range: the network's bytes with host bits cleared, and its prefix length. */
export interface Cidr {
  family: 4 | 6;
  bytes: Uint8Array;
  prefix: number;
  /** Canonical `address/prefix`. */
  text: string;
}

const DOTTED_OCTET = /^(?:0|[1-9]\d{0,2})$/;

/**
 * Parses strict dotted-decimal IPv4 ("10.0.0.1"), never the legacy octal/hex/short forms.
 * Why: this parser reads DNS answers and CIDRs in policy files, where an unusual spelling is a mistake;
 * hosts typed by a client go through normaliseHost, which recognises every spelling.
 */
export function parseIpv4(text: string): IpAddress | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  const bytes = new Uint8Array(4);
  for (let i = 0; i < 4; i += 1) {
    const part = parts[i] ?? '';
    if (!DOTTED_OCTET.test(part)) return null;
    const value = Number(part);
    if (value > 255) return null;
    bytes[i] = value;
  }
  return { family: 4, bytes, text: Array.from(bytes).join('.') };
}

/**
 * Parses an IPv6 address without brackets or zone id, in any valid spelling (shortened, full, embedded
 * dotted IPv4). Why WHATWG URL: it is Node's own, well-tested IPv6 parser and serialiser, so the canonical
 * text here is the same one URL hosts come out as.
 */
export function parseIpv6(text: string): IpAddress | null {
  if (!isIPv6(text) || text.includes('%')) return null;
  let canonical: string;
  try {
    canonical = new URL(`http://[${text}]/`).hostname.slice(1, -1);
  } catch {
    return null;
  }
  const bytes = expandIpv6(canonical);
  return bytes === null ? null : { family: 6, bytes, text: canonical };
}

/** Parses an IPv4 (strict dotted) or IPv6 address, with or without brackets; null when it is neither. */
export function parseIpAddress(text: string): IpAddress | null {
  const inner = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  return parseIpv4(inner) ?? parseIpv6(inner);
}

// Expands URL's canonical IPv6 text (hex groups only, at most one `::`) into 16 bytes.
function expandIpv6(canonical: string): Uint8Array | null {
  const halves = canonical.split('::');
  if (halves.length > 2) return null;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const missing = 8 - head.length - tail.length;
  if (missing < 0 || (halves.length === 1 && missing !== 0)) return null;
  const groups = [...head, ...Array<string>(missing).fill('0'), ...tail];
  const bytes = new Uint8Array(16);
  for (let i = 0; i < 8; i += 1) {
    const value = Number.parseInt(groups[i] ?? '', 16);
    if (!Number.isInteger(value) || value < 0 || value > 0xffff) return null;
    bytes[i * 2] = value >> 8;
    bytes[i * 2 + 1] = value & 0xff;
  }
  return bytes;
}

/** Renders four bytes as dotted decimal. */
export function ipv4Text(bytes: Uint8Array): string {
  return Array.from(bytes.subarray(0, 4)).join('.');
}

/**
 * Parses `address/prefix` (or a bare address, meaning a single host). Host bits are cleared, as the
 * profile validator and node:net BlockList read them. Null when malformed.
 */
export function parseCidr(text: string): Cidr | null {
  const slash = text.indexOf('/');
  const address = parseIpAddress(slash === -1 ? text : text.slice(0, slash));
  if (address === null) return null;
  const max = address.family === 4 ? 32 : 128;
  const prefixText = slash === -1 ? String(max) : text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefixText)) return null;
  const prefix = Number(prefixText);
  if (prefix > max) return null;
  const bytes = Uint8Array.from(address.bytes);
  for (let bit = prefix; bit < max; bit += 1) {
    const index = bit >> 3;
    bytes[index] = (bytes[index] ?? 0) & ~(0x80 >> (bit & 7));
  }
  const network = address.family === 4 ? ipv4Text(bytes) : (parseIpv6(bytesToIpv6(bytes))?.text ?? '');
  return { family: address.family, bytes, prefix, text: `${network}/${prefix}` };
}

/**
 * Whether `address` lies in `cidr`. Why no cross-family match (unlike node:net BlockList, which matches
 * IPv4 rules against IPv4-mapped IPv6): the gate refuses the mapped spelling on its own, so allowing
 * 127.0.0.1/32 must not quietly allow ::ffff:127.0.0.1.
 */
export function cidrContains(cidr: Cidr, address: IpAddress): boolean {
  if (cidr.family !== address.family) return false;
  const whole = cidr.prefix >> 3;
  for (let i = 0; i < whole; i += 1) if (cidr.bytes[i] !== address.bytes[i]) return false;
  const rest = cidr.prefix & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return ((cidr.bytes[whole] ?? 0) & mask) === ((address.bytes[whole] ?? 0) & mask);
}

// Full (uncompressed) IPv6 text for 16 bytes; parseIpv6 then canonicalises it.
function bytesToIpv6(bytes: Uint8Array): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0)).toString(16));
  return groups.join(':');
}
