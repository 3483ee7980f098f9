import { describe, expect, it } from 'vitest';
import { useGateFixture } from './fixture.js';
import { connectVia, memorySink, rawRequest, startEcho, until } from './helpers.js';

// Proxy behaviour on loopback: what is forwarded, what is refused, and what each decision records.

describe('the gate', () => {
  const f = useGateFixture();

  it('tunnels CONNECT to an allowed upstream and records bytes each way', async () => {
    const g = await f.start();
    const client = await connectVia(g.port, `echo.test:${f.echo.port}`);
    expect((await client.head()).status).toBe(200);
    client.socket.write('hello through the gate');
    await client.waitFor('hello through the gate');
    client.socket.end();
    await client.closed();
    await until(() => g.stats().tunnels === 0, 'tunnel end');
    const [event] = await f.events();
    expect(event).toMatchObject({
      source: 'egress',
      session: 'sess-1',
      method: 'CONNECT',
      host: 'echo.test',
      port: f.echo.port,
      address: '127.0.0.1',
      rule: 'allow:echo.test',
      decision: 'allow',
      mode: 'enforce',
      forwarded: true,
      bytesUp: 22,
      bytesDown: 22,
      policyVersion: 'test-policy',
    });
    expect(event?.durationMs).toBeGreaterThanOrEqual(0);
    expect(Number.isNaN(Date.parse(event?.time ?? ''))).toBe(false);
  });

  it('answers 403 with a one-line reason for a host off the allowlist, and never dials it', async () => {
    const g = await f.start();
    const before = f.echo.connections();
    const client = await connectVia(g.port, `other.test:${f.echo.port}`);
    const { status, head } = await client.head();
    const body = await client.closed();
    expect(status).toBe(403);
    expect(head).toContain('X-Ccbox-Gate: deny:not-allowlisted');
    expect(body).toBe('other.test is not on the allowlist\n');
    expect(f.echo.connections()).toBe(before);
    const [event] = await f.events();
    expect(event).toMatchObject({
      decision: 'deny',
      rule: 'deny:not-allowlisted',
      forwarded: false,
      address: null,
    });
  });

  it('forwards plain HTTP, strips hop-by-hop headers and keeps the Host', async () => {
    const g = await f.start();
    const seen = f.web.seen.length;
    const client = await rawRequest(
      g.port,
      `POST http://web.test:${f.web.port}/submit?x=1 HTTP/1.1\r\nHost: web.test:${f.web.port}\r\n` +
        'Proxy-Authorization: Basic c2VjcmV0\r\nX-Drop: 1\r\nConnection: close, X-Drop\r\nContent-Length: 5\r\n\r\nhello',
    );
    expect((await client.head()).status).toBe(200);
    const body = JSON.parse(await client.closed()) as {
      url: string;
      body: string;
      headers: Record<string, string>;
    };
    expect(body).toMatchObject({ url: '/submit?x=1', body: 'hello' });
    expect(body.headers.host).toBe(`web.test:${f.web.port}`);
    expect(body.headers['proxy-authorization']).toBeUndefined();
    expect(body.headers['x-drop']).toBeUndefined();
    expect(f.web.seen.length).toBe(seen + 1);
    const [event] = await f.events();
    expect(event).toMatchObject({
      method: 'HTTP',
      rule: 'allow:web.test',
      decision: 'allow',
      forwarded: true,
    });
    expect(event?.bytesUp).toBeGreaterThan(5);
    expect(event?.bytesDown).toBeGreaterThan(body.url.length);
  });

  it('refuses a plain HTTP request whose Host differs from its target, before dialling', async () => {
    const g = await f.start();
    const seen = f.web.seen.length;
    const client = await rawRequest(
      g.port,
      `GET http://web.test:${f.web.port}/ HTTP/1.1\r\nHost: other.test:${f.web.port}\r\nConnection: close\r\n\r\n`,
    );
    expect((await client.head()).status).toBe(403);
    await client.closed();
    expect(f.web.seen.length).toBe(seen);
    const [event] = await f.events();
    expect(event).toMatchObject({ rule: 'deny:host-mismatch', decision: 'deny', forwarded: false });
  });

  it('answers /healthz with the mode and the number of allowed patterns', async () => {
    const g = await f.start();
    const client = await rawRequest(
      g.port,
      'GET /healthz HTTP/1.1\r\nHost: gate\r\nConnection: close\r\n\r\n',
    );
    expect((await client.head()).status).toBe(200);
    expect(JSON.parse(await client.closed())).toEqual({
      status: 'ok',
      mode: 'enforce',
      allowHosts: 2,
      policyVersion: 'test-policy',
    });
  });

  it('records a refused connect to a closed upstream port as not forwarded', async () => {
    const closed = await startEcho();
    const port = closed.port;
    await new Promise<void>((resolve) => closed.server.close(() => resolve()));
    const g = await f.start({ ports: [port] });
    const client = await connectVia(g.port, `echo.test:${port}`);
    expect((await client.head()).status).toBe(502);
    await client.closed();
    const [event] = await f.events();
    // Not `allow`: an audit must not read an unreachable destination as a success.
    expect(event).toMatchObject({ decision: 'failed', forwarded: false, address: '127.0.0.1' });
    expect(event?.reason).toContain('cannot connect');
  });

  it('refuses protocol upgrades over plain HTTP', async () => {
    const g = await f.start();
    const client = await rawRequest(
      g.port,
      `GET http://web.test:${f.web.port}/ws HTTP/1.1\r\nHost: web.test:${f.web.port}\r\n` +
        'Connection: Upgrade\r\nUpgrade: websocket\r\n\r\n',
    );
    expect((await client.head()).status).toBe(403);
    await client.closed();
    const [event] = await f.events();
    expect(event).toMatchObject({ rule: 'deny:upgrade', forwarded: false });
  });

  it('stops forwarding and reports unhealthy when the audit log cannot be written', async () => {
    const broken = { ...memorySink(), failure: () => new Error('disk full') };
    const g = await f.start({}, broken);
    const before = f.echo.connections();
    const tunnel = await connectVia(g.port, `echo.test:${f.echo.port}`);
    expect((await tunnel.head()).status).toBe(503);
    await tunnel.closed();
    const health = await rawRequest(
      g.port,
      'GET /healthz HTTP/1.1\r\nHost: gate\r\nConnection: close\r\n\r\n',
    );
    expect((await health.head()).status).toBe(503);
    await health.closed();
    expect(f.echo.connections()).toBe(before);
  });
});
