import { once } from 'node:events';
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { useGateFixture } from './fixture.js';
import { connectVia, until } from './helpers.js';

// Robustness on loopback: caps, timeouts, resets, half-closes and shutdown leave no socket behind.

describe('the gate under stress', () => {
  const f = useGateFixture();

  it('refuses tunnels beyond the cap with 503 and an event, and accepts again once one closes', async () => {
    const g = await f.start({ maxTunnels: 2 });
    const first = await connectVia(g.port, `echo.test:${f.echo.port}`);
    const second = await connectVia(g.port, `echo.test:${f.echo.port}`);
    expect((await first.head()).status).toBe(200);
    expect((await second.head()).status).toBe(200);
    const third = await connectVia(g.port, `echo.test:${f.echo.port}`);
    expect((await third.head()).status).toBe(503);
    await third.closed();
    expect(g.stats().refusedAtCap).toBe(1);
    first.socket.end();
    await first.closed();
    await until(() => g.stats().tunnels === 1, 'a free slot');
    const fourth = await connectVia(g.port, `echo.test:${f.echo.port}`);
    expect((await fourth.head()).status).toBe(200);
    second.socket.destroy();
    fourth.socket.destroy();
    const rules = (await f.events()).map((e) => e.rule);
    expect(rules).toContain('deny:tunnel-cap');
  });

  it('closes an idle tunnel and says so in the event', async () => {
    const g = await f.start({ idleTimeoutMs: 150 });
    const client = await connectVia(g.port, `echo.test:${f.echo.port}`);
    expect((await client.head()).status).toBe(200);
    await client.closed();
    await until(() => g.stats().tunnels === 0 && g.stats().upstreamSockets === 0, 'teardown');
    const [event] = await f.events();
    expect(event?.reason).toContain('idle timeout');
  });

  it('drops a client that connects and never sends a request', async () => {
    const g = await f.start({ idleTimeoutMs: 150 });
    const socket = connect({ host: '127.0.0.1', port: g.port });
    socket.on('error', () => undefined);
    await once(socket, 'connect');
    await until(() => g.stats().clientSockets === 1, 'accept');
    await once(socket, 'close');
    await until(() => g.stats().clientSockets === 0, 'server-side close');
  });

  it('leaves no socket open when a client resets mid-tunnel', async () => {
    const g = await f.start();
    const client = await connectVia(g.port, `echo.test:${f.echo.port}`);
    expect((await client.head()).status).toBe(200);
    client.socket.write('partial');
    await client.waitFor('partial');
    expect(g.stats()).toMatchObject({ tunnels: 1, upstreamSockets: 1, clientSockets: 1 });
    client.socket.resetAndDestroy();
    await until(() => {
      const s = g.stats();
      return s.tunnels === 0 && s.upstreamSockets === 0 && s.clientSockets === 0;
    }, 'every socket closed');
    await until(() => f.echo.open() === 0, 'upstream side closed');
    const [event] = await f.events();
    expect(event).toMatchObject({ decision: 'allow', bytesUp: 7 });
  });

  it('carries a half-close through the tunnel both ways', async () => {
    const g = await f.start();
    const client = await connectVia(g.port, `echo.test:${f.echo.port}`);
    expect((await client.head()).status).toBe(200);
    client.socket.end('last words');
    // The echo server answers and then ends its side only because our FIN reached it.
    expect(await client.closed()).toBe('last words');
    await until(() => g.stats().tunnels === 0 && g.stats().upstreamSockets === 0, 'teardown');
  });

  it('close() lets open tunnels drain and refuses new connections meanwhile', async () => {
    const g = await f.start();
    const client = await connectVia(g.port, `echo.test:${f.echo.port}`);
    expect((await client.head()).status).toBe(200);
    const closing = g.close({ drainMs: 30_000 });
    let closed = false;
    void closing.then(() => (closed = true));
    await until(() => g.stats().closing, 'closing');
    client.socket.write('still flowing');
    await client.waitFor('still flowing');
    const late = connect({ host: '127.0.0.1', port: g.port });
    const [error] = (await once(late, 'error')) as [NodeJS.ErrnoException];
    expect(error.code).toBe('ECONNREFUSED');
    expect(closed).toBe(false);
    client.socket.end();
    await closing;
    expect(g.stats()).toMatchObject({ tunnels: 0, clientSockets: 0, upstreamSockets: 0 });
  });

  it('close() destroys tunnels still open at the drain deadline', async () => {
    const g = await f.start();
    const client = await connectVia(g.port, `echo.test:${f.echo.port}`);
    expect((await client.head()).status).toBe(200);
    await g.close({ drainMs: 50 });
    await client.closed();
    expect(g.stats()).toMatchObject({ tunnels: 0, clientSockets: 0, upstreamSockets: 0 });
    expect(await f.events()).toHaveLength(1);
  });

  it('cuts off a client that stops reading, at the idle timeout, and leaks nothing', async () => {
    const g = await f.start({ idleTimeoutMs: 200 });
    const client = await connectVia(g.port, `echo.test:${f.echo.port}`);
    expect((await client.head()).status).toBe(200);
    client.socket.pause();
    // Far more than the socket buffers hold: every hop fills up and the tunnel goes quiet.
    client.socket.write(Buffer.alloc(32 * 1024 * 1024));
    await client.closed();
    await until(
      () => g.stats().tunnels === 0 && g.stats().upstreamSockets === 0 && g.stats().clientSockets === 0,
    );
    const [event] = await f.events();
    expect(event?.reason).toContain('idle timeout');
  });
});
