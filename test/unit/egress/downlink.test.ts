import { createHash, randomBytes } from 'node:crypto';
import { EventEmitter, once } from 'node:events';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { copyPool } from '../../../egress/src/copy-pool.js';
import { downlink } from '../../../egress/src/downlink.js';
import { startGate, type GateHandle } from '../../../egress/src/gate.js';
import { memorySink, tableResolver, testPolicy, until } from './helpers.js';

// The download half of a tunnel reads into one reused buffer per tunnel (egress/src/downlink.ts): the
// bytes must arrive intact and in order, after the 200 answer, whatever the server does first.

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function serve(onSocket: (s: Socket) => void): Promise<number> {
  const server: Server = createServer({ allowHalfOpen: true }, onSocket);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.push(
    () =>
      new Promise((resolve) => {
        server.close(() => resolve());
      }),
  );
  return (server.address() as AddressInfo).port;
}

async function gateFor(port: number, sink = memorySink()): Promise<GateHandle> {
  const gate = await startGate({
    // These tests are about carrying bytes: the port is a raw tunnel port (no first-bytes check).
    policy: testPolicy({
      allowHosts: ['site.test'],
      ports: [port],
      rawTunnelPorts: [port],
      allowCidrs: ['127.0.0.1/32'],
    }),
    session: 'downlink',
    sink,
    host: '127.0.0.1',
    port: 0,
    resolver: tableResolver({ 'site.test': ['127.0.0.1'] }),
    log: () => undefined,
  });
  cleanups.push(() => gate.close({ drainMs: 0 }));
  return gate;
}

/** CONNECTs through the gate and collects every byte until the gate closes the connection. */
async function tunnel(gatePort: number, target: string, send?: string): Promise<Buffer> {
  const socket = connect({ host: '127.0.0.1', port: gatePort, allowHalfOpen: true });
  await once(socket, 'connect');
  const chunks: Buffer[] = [];
  socket.on('data', (c: Buffer) => chunks.push(c));
  socket.on('end', () => socket.end());
  socket.write(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n\r\n`);
  if (send !== undefined) socket.write(send);
  await once(socket, 'close');
  return Buffer.concat(chunks);
}

const ESTABLISHED = 'HTTP/1.1 200 Connection Established\r\n\r\n';

describe('the tunnel download path', () => {
  it('delivers a server greeting sent before the tunnel opened after the 200 answer, then the rest', async () => {
    const port = await serve((s) => {
      s.write('220 greeting from the server\r\n'); // before the gate has answered its client
      s.on('data', (c: Buffer) => {
        s.end(`echo ${c.toString('utf8')}`);
      });
    });
    const gate = await gateFor(port);
    const got = (await tunnel(gate.port, `site.test:${port}`, 'ping')).toString('latin1');
    expect(got).toBe(`${ESTABLISHED}220 greeting from the server\r\necho ping`);
  });

  it('carries 8 MiB intact and in order, with its byte count in the event', async () => {
    const payload = randomBytes(8 * 1024 * 1024);
    const port = await serve((s) => {
      s.end(payload);
    });
    const sink = memorySink();
    const gate = await gateFor(port, sink);
    const got = await tunnel(gate.port, `site.test:${port}`);
    expect(got.subarray(0, ESTABLISHED.length).toString('latin1')).toBe(ESTABLISHED);
    const body = got.subarray(ESTABLISHED.length);
    expect(body.length).toBe(payload.length);
    const digest = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
    expect(digest(body)).toBe(digest(payload));
    await until(() => sink.events.length === 1, 'the tunnel event');
    expect(sink.events[0]).toMatchObject({ forwarded: true, bytesDown: payload.length, bytesUp: 0 });
  });

  it('keeps several tunnels’ bytes apart while they run at once', async () => {
    const port = await serve((s) => {
      s.once('data', (c: Buffer) => {
        const id = c.toString('utf8');
        s.end(Buffer.alloc(1024 * 1024, id));
      });
    });
    const gate = await gateFor(port);
    const ids = ['a', 'b', 'c', 'd'];
    const results = await Promise.all(ids.map((id) => tunnel(gate.port, `site.test:${port}`, id)));
    for (const [i, got] of results.entries()) {
      const body = got.subarray(ESTABLISHED.length);
      expect(body.length).toBe(1024 * 1024);
      expect(body.equals(Buffer.alloc(1024 * 1024, ids[i]))).toBe(true);
    }
  });
});

/** A client socket that records what it is given (and whether it would take more), and an upstream. */
function fakeSockets(accept: () => boolean): {
  client: Socket & { got: string[]; ended: boolean; kept: Buffer[]; pending: Array<() => void> };
  upstream: Socket & { resumed: number };
} {
  const client = Object.assign(new EventEmitter(), {
    got: [] as string[],
    ended: false,
    kept: [] as Buffer[],
    /** Write callbacks not yet called: the writes that still hold their chunk. */
    pending: [] as Array<() => void>,
    write(chunk: Buffer, done?: () => void): boolean {
      client.kept.push(chunk); // kept by reference, as a write queue does
      if (done !== undefined) client.pending.push(done);
      return accept();
    },
    end(): void {
      client.ended = true;
    },
  });
  Object.defineProperty(client, 'got', { get: () => client.kept.map((b) => b.toString('utf8')) });
  const upstream = Object.assign(new EventEmitter(), {
    resumed: 0,
    readableEnded: false,
    resume(): void {
      upstream.resumed += 1;
    },
  });
  return {
    client: client as unknown as Socket & {
      got: string[];
      ended: boolean;
      kept: Buffer[];
      pending: Array<() => void>;
    },
    upstream: upstream as unknown as Socket & { resumed: number },
  };
}

/** What a read does: the socket fills the tunnel's buffer, then calls back with the byte count. */
function read(d: ReturnType<typeof downlink>, text: string | Buffer): boolean {
  const n = typeof text === 'string' ? d.reader.buffer.write(text) : text.copy(d.reader.buffer);
  return d.reader.callback(n, d.reader.buffer);
}

const pool = (): ReturnType<typeof copyPool> => copyPool({ size: 64 * 1024, keep: 4 });

describe('downlink', () => {
  it('keeps bytes read before the tunnel opened, copied out of the reused buffer, and sends them first', () => {
    const d = downlink(Buffer.alloc(1024), pool());
    expect(read(d, 'early-1 ')).toBe(true);
    expect(read(d, 'early-2 ')).toBe(true); // overwrites the buffer the first read used
    const { client, upstream } = fakeSockets(() => true);
    d.attach(client, upstream);
    read(d, 'later');
    expect(client.got).toEqual(['early-1 ', 'early-2 ', 'later']);
  });

  it('stops reading while the client is full and resumes once it drains', () => {
    const d = downlink(Buffer.alloc(1024), pool());
    let full = true;
    const { client, upstream } = fakeSockets(() => !full);
    d.attach(client, upstream);
    expect(read(d, 'first')).toBe(false); // the client took it but wants no more for now
    expect(upstream.resumed).toBe(0);
    full = false;
    client.emit('drain');
    expect(upstream.resumed).toBe(1);
    expect(read(d, 'second')).toBe(true);
    expect(client.got).toEqual(['first', 'second']);
  });

  it('passes the upstream half-close on after the bytes before it, also when it came early', () => {
    const d = downlink(Buffer.alloc(1024), pool());
    read(d, 'bye');
    const { client, upstream } = fakeSockets(() => true);
    (upstream as unknown as { readableEnded: boolean }).readableEnded = true;
    d.attach(client, upstream);
    expect(client.got).toEqual(['bye']);
    expect(client.ended).toBe(true);

    const later = downlink(Buffer.alloc(1024), pool());
    const two = fakeSockets(() => true);
    later.attach(two.client, two.upstream);
    expect(two.client.ended).toBe(false);
    two.upstream.emit('end');
    expect(two.client.ended).toBe(true);
  });
});

describe('the copy pool', () => {
  it('never hands out a buffer while a write still holds it, and reuses it once the write calls back', () => {
    const copies = pool();
    const d = downlink(Buffer.alloc(64 * 1024), copies);
    const { client, upstream } = fakeSockets(() => true);
    d.attach(client, upstream);
    // Three large reads whose writes have not called back: three distinct buffers, each intact.
    const fills = ['a', 'b', 'c'].map((c) => Buffer.alloc(48 * 1024, c));
    for (const f of fills) read(d, f);
    expect(copies.stats()).toEqual({ out: 3, free: 0 });
    const backing = client.kept.map((b) => b.buffer);
    expect(new Set(backing).size).toBe(3);
    for (const [i, f] of fills.entries()) expect(client.kept[i]?.equals(f)).toBe(true);

    // The second write completes (twice, as a misbehaving stream might): only its buffer comes back.
    const second = client.pending[1];
    second?.();
    second?.();
    expect(copies.stats()).toEqual({ out: 2, free: 1 });
    read(d, Buffer.alloc(40 * 1024, 'd'));
    read(d, Buffer.alloc(40 * 1024, 'e'));
    expect(client.kept[3]?.buffer).toBe(backing[1]);
    expect(client.kept[4]?.buffer).not.toBe(backing[1]);
    // The writes still pending kept their bytes: nothing was copied over them.
    expect(client.kept[0]?.equals(fills[0] ?? Buffer.alloc(0))).toBe(true);
    expect(client.kept[2]?.equals(fills[2] ?? Buffer.alloc(0))).toBe(true);
    expect(client.kept[4]?.equals(Buffer.alloc(40 * 1024, 'e'))).toBe(true);
  });

  it('keeps at most `keep` released buffers and copies small reads without the pool', () => {
    const copies = copyPool({ size: 8 * 1024, keep: 2 });
    const held = [1, 2, 3].map(() => copies.copy(Buffer.alloc(5 * 1024, 'x')));
    for (const h of held) h.release();
    expect(copies.stats()).toEqual({ out: 0, free: 2 });
    const small = copies.copy(Buffer.from('tiny'));
    expect(small.chunk.toString()).toBe('tiny');
    expect(copies.stats()).toEqual({ out: 0, free: 2 });
  });
});
