/**
 * What the first bytes of a TLS connection say about the server it wants. Why hand-written: the gate
 * runs from compiled JS without node_modules, node:tls cannot parse a ClientHello without terminating
 * TLS, and only three fields are read (the record framing, the server_name extension and whether an
 * encrypted_client_hello extension is present), each bounds-checked.
 */
export type ClientHello =
  | { status: 'incomplete' }
  | { status: 'invalid'; reason: string }
  | {
      status: 'ok';
      /** The host_name of the server_name extension, as sent; null when there is none. */
      serverName: string | null;
      /** An ECH extension is present: the inner, real name is encrypted and the gate sees the outer one. */
      ech: boolean;
    };

const HANDSHAKE = 22;
const CLIENT_HELLO = 1;
const EXT_SERVER_NAME = 0x0000;
const EXT_ECH = 0xfe0d;
/** A ClientHello larger than this (post-quantum key shares are ~1.2 KB) is refused, not buffered. */
export const MAX_CLIENT_HELLO_BYTES = 64 * 1024;

/** Whether `bytes` open like a TLS handshake record (the gate then expects a ClientHello). */
export function looksLikeTls(bytes: Buffer): boolean {
  return bytes.length > 0 && bytes[0] === HANDSHAKE;
}

/**
 * Reassembles the handshake message from one or more handshake records (a ClientHello may be split)
 * and reads its server name. `incomplete` asks for more bytes; anything malformed is `invalid`.
 */
export function parseClientHello(bytes: Buffer): ClientHello {
  const fragments: Buffer[] = [];
  let have = 0;
  let need = -1;
  let offset = 0;
  while (need === -1 || have < need) {
    if (bytes.length < offset + 5) return incomplete(bytes);
    if (bytes[offset] !== HANDSHAKE) return invalid('not a TLS handshake record');
    if (bytes[offset + 1] !== 3) return invalid('not a TLS record version');
    const length = bytes.readUInt16BE(offset + 3);
    if (length === 0 || length > 16_384 + 2048) return invalid('TLS record length out of range');
    if (bytes.length < offset + 5 + length) return incomplete(bytes);
    fragments.push(bytes.subarray(offset + 5, offset + 5 + length));
    have += length;
    offset += 5 + length;
    if (need === -1 && have >= 4) {
      // Why the one-fragment case avoids concat: almost every ClientHello fits in its first record.
      const head = fragments.length === 1 ? (fragments[0] as Buffer) : Buffer.concat(fragments);
      if (head[0] !== CLIENT_HELLO) return invalid('the first handshake message is not a ClientHello');
      need = 4 + head.readUIntBE(1, 3);
      if (need > MAX_CLIENT_HELLO_BYTES) return invalid('ClientHello too large');
    }
  }
  const whole = fragments.length === 1 ? (fragments[0] as Buffer) : Buffer.concat(fragments);
  const message = whole.subarray(4, need);
  return readHello(message);
}

function readHello(hello: Buffer): ClientHello {
  const r = reader(hello);
  r.skip(2 + 32); // legacy_version, random
  r.skip(r.u8()); // legacy_session_id
  r.skip(r.u16()); // cipher_suites
  r.skip(r.u8()); // legacy_compression_methods
  if (r.failed) return invalid('truncated ClientHello');
  if (r.left() === 0) return { status: 'ok', serverName: null, ech: false };
  const extensionsLength = r.u16();
  const end = r.pos() + extensionsLength;
  let serverName: string | null = null;
  let ech = false;
  const seen = new Set<number>();
  while (!r.failed && r.pos() < end) {
    const type = r.u16();
    const length = r.u16();
    if (seen.has(type)) return invalid('a TLS extension appears twice');
    seen.add(type);
    const body = r.take(length);
    if (type === EXT_ECH) ech = true;
    if (type !== EXT_SERVER_NAME || body === null) continue;
    const name = serverNameOf(body);
    if (name === undefined) return invalid('malformed server_name extension');
    serverName = name;
  }
  if (r.failed || r.pos() !== end) return invalid('truncated ClientHello extensions');
  return { status: 'ok', serverName, ech };
}

// RFC 6066 §3: a list holding at most one host_name (type 0); undefined when malformed.
function serverNameOf(body: Buffer): string | null | undefined {
  const r = reader(body);
  const listLength = r.u16();
  const end = r.pos() + listLength;
  let name: string | null = null;
  while (!r.failed && r.pos() < end) {
    const type = r.u8();
    const value = r.take(r.u16());
    if (value === null) return undefined;
    if (type !== 0) continue;
    if (name !== null) return undefined;
    // Why latin1 and a strict check: a name with bytes outside printable ASCII is refused, not decoded.
    name = value.toString('latin1');
    if (!/^[\x21-\x7e]{1,253}$/.test(name)) return undefined;
  }
  return r.failed || r.pos() !== end || r.left() !== 0 ? undefined : name;
}

interface Reader {
  u8(): number;
  u16(): number;
  skip(n: number): void;
  take(n: number): Buffer | null;
  pos(): number;
  left(): number;
  readonly failed: boolean;
}

// A bounds-checked cursor: any read past the end sets `failed` and returns zeros.
function reader(buffer: Buffer): Reader {
  let at = 0;
  const state = { failed: false };
  const ensure = (n: number): boolean => {
    if (at + n <= buffer.length) return true;
    state.failed = true;
    at = buffer.length;
    return false;
  };
  return {
    u8: () => (ensure(1) ? (buffer[at++] ?? 0) : 0),
    u16: () => {
      if (!ensure(2)) return 0;
      at += 2;
      return buffer.readUInt16BE(at - 2);
    },
    skip: (n) => void (ensure(n) && (at += n)),
    take: (n) => {
      if (!ensure(n)) return null;
      at += n;
      return buffer.subarray(at - n, at);
    },
    pos: () => at,
    left: () => buffer.length - at,
    get failed() {
      return state.failed;
    },
  };
}

const incomplete = (bytes: Buffer): ClientHello =>
  bytes.length >= MAX_CLIENT_HELLO_BYTES + 5 * 8
    ? invalid('ClientHello too large')
    : { status: 'incomplete' };
const invalid = (reason: string): ClientHello => ({ status: 'invalid', reason });

/** A fatal TLS alert record (RFC 8446 §6): what a TLS client understands as "refused" after the 200. */
export function tlsAlert(description: 'access_denied' | 'unrecognized_name'): Buffer {
  return Buffer.from([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, description === 'access_denied' ? 49 : 112]);
}
