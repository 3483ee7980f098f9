import { describe, expect, it } from 'vitest';
import { parseOneRequest, rawRequest, until } from './helpers.js';
import { useRecorderGate } from './recorder-fixture.js';

// Request smuggling through the forward proxy, performed on loopback: each attack is sent raw, and a
// stand-in upstream records every byte it receives, so the test sees what would reach a real server.
// One request in must be at most one request out, framed by the gate.

describe('the gate frames what it forwards', () => {
  const f = useRecorderGate('framing', ['f.rec.test']);
  const start = (overrides?: Parameters<typeof f.start>[0]) => f.start(overrides);
  const target = (): string => `f.rec.test:${f.rec.port}`;
  const smuggled = (): string => `GET /smuggled HTTP/1.1\r\nHost: evil.test\r\n\r\n`;
  /** Sends `request`, waits for the gate to finish, and returns the status and what the upstream got. */
  const send = async (request: string): Promise<{ status: number; got: string[] }> => {
    const before = f.rec.received.length;
    const g = f.gate ?? (await start());
    const client = await rawRequest(g.port, request);
    const { status } = await client.head();
    await client.closed();
    await until(() => g.stats().requests === 0 && f.sink.events.length > 0, 'the event');
    return { status, got: f.rec.received.slice(before) };
  };

  it('refuses a GET with a chunked body (the body would be a second request), before dialling', async () => {
    const body = smuggled();
    const r = await send(
      `GET http://${target()}/ok HTTP/1.1\r\nHost: ${target()}\r\nTransfer-Encoding: chunked\r\n\r\n` +
        `${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`,
    );
    expect(r.status).toBe(400);
    expect(r.got).toEqual([]);
    expect(f.sink.events[0]).toMatchObject({ rule: 'deny:framing', decision: 'deny', forwarded: false });
  });

  it('refuses a GET with a Content-Length body', async () => {
    const body = smuggled();
    const r = await send(
      `GET http://${target()}/ok HTTP/1.1\r\nHost: ${target()}\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
    );
    expect(r.status).toBe(400);
    expect(r.got).toEqual([]);
  });

  it('re-frames a chunked POST: exactly one request arrives, its body intact and nothing after it', async () => {
    const body = smuggled();
    const r = await send(
      `POST http://${target()}/up HTTP/1.1\r\nHost: ${target()}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n` +
        `${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`,
    );
    expect(r.status).toBe(200);
    expect(r.got).toHaveLength(1);
    const one = parseOneRequest(r.got[0] ?? '');
    expect(one.line).toBe('POST /up HTTP/1.1');
    expect(one.body).toBe(body);
    expect(one.rest).toBe('');
  });

  it('keeps its own framing when Connection names Content-Length, and its Host when it names Host', async () => {
    const body = smuggled();
    const r = await send(
      `POST http://${target()}/up HTTP/1.1\r\nHost: ${target()}\r\nContent-Length: ${body.length}\r\n` +
        `Connection: close, Content-Length, Host, Transfer-Encoding\r\n\r\n${body}`,
    );
    expect(r.status).toBe(200);
    expect(r.got).toHaveLength(1);
    const one = parseOneRequest(r.got[0] ?? '');
    expect(one.headers.filter(([n]) => n === 'host')).toEqual([['host', target()]]);
    expect(one.headers.filter(([n]) => n === 'content-length')).toEqual([
      ['content-length', String(body.length)],
    ]);
    expect(one.body).toBe(body);
    expect(one.rest).toBe('');
  });

  // The first three never pass Node's parser (its refusal is the event); the gate refuses the fourth.
  it.each([
    ['CL with TE', 'Content-Length: 5\r\nTransfer-Encoding: chunked\r\n', '0\r\n\r\n', 'deny:bad-request'],
    ['two Content-Lengths', 'Content-Length: 5\r\nContent-Length: 5\r\n', 'hello', 'deny:bad-request'],
    ['obs-fold', 'X-Folded: a\r\n b\r\nContent-Length: 5\r\n', 'hello', 'deny:bad-request'],
    ['TE other than chunked', 'Transfer-Encoding: gzip, chunked\r\n', '0\r\n\r\n', 'deny:framing'],
  ])(
    'refuses ambiguous framing (%s) with one event, and sends nothing upstream',
    async (_n, headers, body, rule) => {
      const r = await send(
        `POST http://${target()}/up HTTP/1.1\r\nHost: ${target()}\r\n${headers}\r\n${body}`,
      );
      expect(r.status).toBe(400);
      expect(r.got).toEqual([]);
      expect(f.sink.events).toHaveLength(1);
      expect(f.sink.events[0]).toMatchObject({ rule, decision: 'deny', forwarded: false });
    },
  );

  it('never reuses an upstream connection: two requests on one client connection are two upstream connections', async () => {
    const g = await start();
    const before = f.rec.received.length;
    const one = `GET http://${target()}/a HTTP/1.1\r\nHost: ${target()}\r\n\r\n`;
    const client = await rawRequest(g.port, one);
    await client.waitFor('ok');
    client.socket.write(
      `GET http://${target()}/b HTTP/1.1\r\nHost: ${target()}\r\nConnection: close\r\n\r\n`,
    );
    await client.closed();
    await until(() => f.sink.events.length === 2, 'two events');
    const got = f.rec.received.slice(before);
    expect(got).toHaveLength(2);
    expect(got.map((raw) => parseOneRequest(raw)).map((p) => [p.line, p.rest])).toEqual([
      ['GET /a HTTP/1.1', ''],
      ['GET /b HTTP/1.1', ''],
    ]);
  });
});
