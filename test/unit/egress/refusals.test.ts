import { once } from 'node:events';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { useGateFixture } from './fixture.js';
import { connectVia, rawRequest, until } from './helpers.js';

// Every refusal is an event: requests Node's parser rejects, heads that never complete, connections
// the budget evicts. And deadlines are real: the header deadline holds to the configured value.

const open = async (port: number): Promise<Socket> => {
  const socket = connect({ host: '127.0.0.1', port });
  socket.on('error', () => undefined);
  socket.resume(); // reads (and drops) the gate's answers, so its close is seen
  await once(socket, 'connect');
  return socket;
};

describe('refusals before any decision', () => {
  const f = useGateFixture();

  it('records one event per request that Node’s parser rejects', async () => {
    const g = await f.start();
    const bad = [
      'GET http://web.test/ HTTP/1.1\r\nHost: web.test\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n',
      'POST http://web.test/ HTTP/1.1\r\nHost: web.test\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nx',
      'GET http://web.test/ HTTP/1.1\r\nHost: web.test\r\nX: a\r\n folded\r\n\r\n',
      'GET http://web.test/ HTTP/1.1\r\nHost : web.test\r\n\r\n',
      'GET http://ｗeb.test/ HTTP/1.1\r\nHost: web.test\r\n\r\n',
      'GET http://web.test/ HTTP/9.9\r\n\r\n',
      'G@T / HTTP/1.1\r\n\r\n',
      `GET / HTTP/1.1\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
    ];
    for (const request of bad) {
      const client = await rawRequest(g.port, request);
      expect([400, 431]).toContain((await client.head()).status);
      await client.closed();
    }
    const events = await f.events();
    expect(events).toHaveLength(bad.length);
    for (const event of events) {
      expect(event).toMatchObject({ decision: 'deny', forwarded: false });
      expect(event.rule).toMatch(/^deny:(bad-request|header-too-large)$/);
      expect(event.reason).toMatch(/^malformed request \((HPE_[A-Z_]+)/);
    }
    expect(f.web.seen).toHaveLength(0);
  });

  it('closes a slow head at the header deadline (±1 s), with an event', async () => {
    const g = await f.start({ headersTimeoutMs: 1_000 });
    const socket = await open(g.port);
    const started = performance.now();
    socket.write('GET http://web.test/ HTTP/1.1\r\nHost: web.test\r\n');
    const dribble = setInterval(() => socket.write('X-Slow: 1\r\n'), 100);
    await once(socket, 'close');
    clearInterval(dribble);
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(950);
    expect(elapsed).toBeLessThan(2_000);
    const [event] = await f.events();
    expect(event).toMatchObject({ rule: 'deny:header-timeout', decision: 'deny' });
  });

  it('evicts the slowest idle connection when the budget is full, so a normal client gets through', async () => {
    // maxTunnels 2: a budget of 68 connections. 80 slow clients arrive first, then a normal one.
    const g = await f.start({ maxTunnels: 2, headersTimeoutMs: 30_000 });
    const slow: Socket[] = [];
    for (let i = 0; i < 80; i += 1) {
      const s = await open(g.port);
      s.write('GET http://web.test/ HTTP/1.1\r\n');
      slow.push(s);
    }
    await until(() => g.stats().clientSockets <= 68, 'the budget');
    const client = await connectVia(g.port, `echo.test:${f.echo.port}`);
    expect((await client.head()).status).toBe(200);
    client.socket.write('still served');
    await client.waitFor('still served');
    client.socket.destroy();
    for (const s of slow) s.destroy();
    const events = await f.events();
    const evicted = events.filter((e) => e.rule === 'deny:evicted');
    expect(evicted.length).toBeGreaterThanOrEqual(12);
    expect(evicted[0]?.reason).toMatch(/slowest first/);
    expect(events.some((e) => e.rule === 'allow:echo.test' && e.decision === 'allow')).toBe(true);
  });

  it('records a client that leaves before its tunnel carried anything as aborted, not allowed', async () => {
    const g = await f.start();
    // web.test's port is neither a raw nor a TLS port: the gate waits for the first request head.
    const client = await connectVia(g.port, `web.test:${f.web.port}`);
    expect((await client.head()).status).toBe(200);
    client.socket.destroy();
    await until(() => g.stats().tunnels === 0, 'tunnel end');
    const [event] = await f.events();
    expect(event).toMatchObject({ method: 'CONNECT', decision: 'aborted', forwarded: false });
    expect(f.web.seen).toHaveLength(0);
  });
});
