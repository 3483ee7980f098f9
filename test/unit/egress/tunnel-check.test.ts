import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { GateHandle } from '../../../egress/src/gate.js';
import type { EgressPolicy } from '../../../src/policy/egress/index.js';
import { clientHello, connectVia, until } from './helpers.js';
import { useRecorderGate } from './recorder-fixture.js';

// CONNECT carries a name, and so do its first bytes: on a shared address the server is picked by the
// ClientHello's server name (or the Host of a plain request), so those must be the CONNECT host. Each
// case opens a tunnel to an allowed name and sends what an attacker would; the stand-in upstream
// records every byte, so a refusal must leave it with nothing.

describe('the first bytes of a CONNECT tunnel', () => {
  const f = useRecorderGate('tunnel', ['allowed.test', 'other.test']);
  /** A gate where the recorder's port is a TLS port (default) or a plain one (`tls: false`). */
  const start = (tls: boolean, overrides: Partial<EgressPolicy> = {}): Promise<GateHandle> =>
    f.start({ tlsPorts: tls ? [f.rec.port] : [], ...overrides });

  /** Opens the tunnel, sends `first`, and returns what came back and what the upstream received. */
  const attempt = async (
    g: GateHandle,
    authority: string,
    first: Buffer,
  ): Promise<{ status: number; back: string; got: string }> => {
    const before = f.rec.received.length;
    const client = await connectVia(g.port, authority);
    const { status } = await client.head();
    client.socket.write(first);
    const back = await Promise.race([client.closed(), sleep(500).then(() => client.body())]);
    client.socket.destroy();
    await until(() => g.stats().tunnels === 0 && f.sink.events.length > 0, 'tunnel end');
    return { status, back, got: f.rec.received.slice(before).join('') };
  };

  it('refuses a ClientHello naming another server than the CONNECT host, and says why', async () => {
    const g = await start(true);
    const hello = clientHello('other.test');
    const r = await attempt(g, `allowed.test:${f.rec.port}`, hello);
    expect(r.status).toBe(200);
    // A fatal TLS alert (unrecognized_name), then the close.
    expect(Buffer.from(r.back, 'latin1')).toEqual(Buffer.from([0x15, 3, 3, 0, 2, 2, 112]));
    expect(r.got).toBe('');
    expect(f.sink.events).toHaveLength(1);
    expect(f.sink.events[0]).toMatchObject({
      method: 'CONNECT',
      host: 'allowed.test',
      rule: 'deny:sni-mismatch',
      decision: 'deny',
      forwarded: false,
      reason: 'the ClientHello names other.test, the CONNECT named allowed.test',
    });
  });

  it('passes a ClientHello naming the CONNECT host, split over two records, byte for byte', async () => {
    const g = await start(true);
    const hello = clientHello('allowed.test', { split: true });
    const r = await attempt(g, `allowed.test:${f.rec.port}`, Buffer.concat([hello, Buffer.from('app-data')]));
    expect(r.got).toBe(Buffer.concat([hello, Buffer.from('app-data')]).toString('latin1'));
    expect(f.sink.events[0]).toMatchObject({
      rule: 'allow:allowed.test',
      decision: 'allow',
      forwarded: true,
    });
  });

  it('refuses a ClientHello without a server name unless the tier allows it', async () => {
    const strict = await attempt(await start(true), `allowed.test:${f.rec.port}`, clientHello(null));
    expect(strict.got).toBe('');
    expect(f.sink.events[0]).toMatchObject({ rule: 'deny:sni-missing', decision: 'deny' });
    await f.gate?.close({ drainMs: 0 });
    const lax = await attempt(
      await start(true, { allowMissingSni: true }),
      `allowed.test:${f.rec.port}`,
      clientHello(null),
    );
    expect(lax.got).toBe(clientHello(null).toString('latin1'));
  });

  it('refuses plain bytes on a TLS port, with an HTTP answer the client can read', async () => {
    const g = await start(true);
    const r = await attempt(
      g,
      `allowed.test:${f.rec.port}`,
      Buffer.from('GET / HTTP/1.1\r\nHost: allowed.test\r\n\r\n'),
    );
    expect(r.back).toMatch(/^HTTP\/1\.1 403 /);
    expect(r.got).toBe('');
    expect(f.sink.events[0]).toMatchObject({ rule: 'deny:not-tls' });
  });

  it('on a plain port, refuses a first request whose Host is another name', async () => {
    const g = await start(false);
    const r = await attempt(
      g,
      `allowed.test:${f.rec.port}`,
      Buffer.from(`GET / HTTP/1.1\r\nHost: other.test:${f.rec.port}\r\n\r\n`),
    );
    expect(r.back).toMatch(/^HTTP\/1\.1 403 /);
    expect(r.got).toBe('');
    expect(f.sink.events[0]).toMatchObject({ rule: 'deny:tunnel-host-mismatch', decision: 'deny' });
  });

  it('on a plain port, passes a first request whose Host is the CONNECT host', async () => {
    const g = await start(false);
    const request = `GET / HTTP/1.1\r\nHost: allowed.test:${f.rec.port}\r\n\r\n`;
    const r = await attempt(g, `allowed.test:${f.rec.port}`, Buffer.from(request));
    expect(r.got).toBe(request);
    expect(r.back).toContain('ok');
  });

  it('refuses raw bytes on a plain port unless the tier names it a raw tunnel port', async () => {
    const raw = Buffer.from('SSH-2.0-OpenSSH_9.2\r\n');
    const refused = await attempt(await start(false), `allowed.test:${f.rec.port}`, raw);
    expect(refused.got).toBe('');
    expect(f.sink.events[0]).toMatchObject({ rule: 'deny:not-http' });
    await f.gate?.close({ drainMs: 0 });
    const open = await attempt(
      await start(false, { rawTunnelPorts: [f.rec.port] }),
      `allowed.test:${f.rec.port}`,
      raw,
    );
    expect(open.got).toBe(raw.toString('latin1'));
  });

  it('refuses a tunnel whose first bytes do not come within the header deadline', async () => {
    const g = await start(true, { headersTimeoutMs: 300 });
    const client = await connectVia(g.port, `allowed.test:${f.rec.port}`);
    expect((await client.head()).status).toBe(200);
    client.socket.write(clientHello('allowed.test').subarray(0, 20));
    await client.closed();
    await until(() => f.sink.events.length > 0, 'the event');
    expect(f.sink.events[0]).toMatchObject({ rule: 'deny:first-bytes-timeout', decision: 'deny' });
  });
});
