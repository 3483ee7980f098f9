import { fixedTokens } from './fixed-tokens.js';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRelay } from '../../../egress/src/relay.js';
import type { RelayHandle } from '../../../egress/src/relay.js';
import { memorySink, parseOneRequest, rawRequest, startRecorder, until } from './helpers.js';

// The model relay attaches the real key, so what it forwards is what an attacker in the agent would
// most like to shape. Each attack is sent raw; a stand-in upstream records every byte it receives, and
// the key must never appear inside a body it got.

const KEY = 'sk-ant-real-key-never-in-a-body';
const TOKEN = 'ccbox-session-token';

describe('the model relay', () => {
  let rec: Awaited<ReturnType<typeof startRecorder>>;
  let relay: RelayHandle;
  const sink = memorySink();
  beforeAll(async () => {
    rec = await startRecorder();
    relay = await startRelay({
      upstream: new URL(`http://127.0.0.1:${rec.port}`),
      apiKey: KEY,
      tokens: fixedTokens(TOKEN),
      host: '127.0.0.1',
      port: 0,
      log: () => undefined,
      sink,
      session: 'relay-test',
      policyVersion: 'v1',
    });
  });
  afterAll(async () => {
    await relay.close();
    rec.server.close();
  });

  const send = async (request: string): Promise<{ status: number; got: string[] }> => {
    const before = rec.received.length;
    const events = sink.relay.length;
    const client = await rawRequest(relay.port, request);
    const { status } = await client.head();
    await client.closed();
    await until(() => sink.relay.length > events, 'the relay event');
    return { status, got: rec.received.slice(before) };
  };
  const auth = `x-api-key: ${TOKEN}\r\n`;

  it('refuses a chunked GET whose body is a second request (it would have the key attached next)', async () => {
    const body = 'POST /capture HTTP/1.1\r\nHost: x\r\nContent-Length: 400\r\n\r\n';
    const r = await send(
      `GET /v1/models HTTP/1.1\r\nHost: relay\r\n${auth}Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n` +
        `${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`,
    );
    expect(r.status).toBe(400);
    expect(r.got).toEqual([]);
    expect(sink.relay.at(-1)).toMatchObject({ rule: 'deny:framing', decision: 'deny', status: 400 });
  });

  it.each([
    ['a dot-dot path', 'GET /v1/../admin/keys HTTP/1.1'],
    ['an encoded dot-dot path', 'GET /v1/%2e%2e/organizations HTTP/1.1'],
    ['an absolute-form target', 'GET http://evil.test/v1/models HTTP/1.1'],
    ['a network-path target', 'GET //evil.test/v1/models HTTP/1.1'],
    ['a path Claude Code never calls', 'GET /v1/files HTTP/1.1'],
    ['a method Claude Code never uses there', 'DELETE /v1/messages HTTP/1.1'],
    ['an unknown query parameter', 'GET /v1/models?x=1 HTTP/1.1'],
  ])('answers 404 with a reason for %s, and sends nothing upstream', async (_name, line) => {
    const r = await send(`${line}\r\nHost: relay\r\n${auth}Connection: close\r\n\r\n`);
    expect(r.status).toBe(404);
    expect(r.got).toEqual([]);
    expect(sink.relay.at(-1)).toMatchObject({ rule: 'deny:route', decision: 'deny', status: 404 });
  });

  it('refuses another token without forwarding', async () => {
    const r = await send(
      'GET /v1/models HTTP/1.1\r\nHost: relay\r\nx-api-key: stolen\r\nConnection: close\r\n\r\n',
    );
    expect(r.status).toBe(401);
    expect(r.got).toEqual([]);
    expect(sink.relay.at(-1)).toMatchObject({ rule: 'deny:token', decision: 'deny' });
  });

  it('sends a chunked POST as one request with its own Content-Length, the key only in the header', async () => {
    const body = JSON.stringify({ model: 'claude-test', max_tokens: 5, safeguards: { plan_review: true } });
    const smuggle = `GET /v1/models HTTP/1.1\r\nHost: relay\r\n${auth}Connection: close\r\n\r\n`;
    const before = rec.received.length;
    const client = await rawRequest(
      relay.port,
      `POST /v1/messages?beta=true HTTP/1.1\r\nHost: relay\r\n${auth}content-type: application/json\r\n` +
        `Transfer-Encoding: chunked\r\n\r\n${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n${smuggle}`,
    );
    await client.closed();
    await until(() => rec.received.length >= before + 2, 'both requests upstream');
    const got = rec.received.slice(before).map((raw) => parseOneRequest(raw));
    expect(got.map((g) => g.line).sort()).toEqual([
      'GET /v1/models HTTP/1.1',
      'POST /v1/messages?beta=true HTTP/1.1',
    ]);
    const post = got.find((g) => g.line.startsWith('POST'));
    expect(post?.headers).toContainEqual(['host', `127.0.0.1:${rec.port}`]);
    expect(post?.body).toBe(body);
    expect(post?.rest).toBe('');
    expect(post?.headers).toContainEqual(['content-length', String(body.length)]);
    expect(post?.headers).toContainEqual(['x-api-key', KEY]);
    expect(post?.headers.some(([n]) => n === 'transfer-encoding')).toBe(false);
    for (const g of got) expect(g.body + g.rest).not.toContain(KEY);
    const isPost = (e: { path?: string | undefined; method?: string | undefined }): boolean =>
      e.path === '/v1/messages' && e.method === 'POST';
    await until(() => sink.relay.some(isPost), 'the event');
    const event = sink.relay.find(isPost);
    expect(event).toMatchObject({
      source: 'relay',
      method: 'POST',
      model: 'claude-test',
      status: 200,
      decision: 'allow',
      rule: 'allow:POST /v1/messages',
      bytesUp: body.length,
      policyVersion: 'v1',
    });
    expect(JSON.stringify(sink.relay)).not.toContain(KEY);
    expect(JSON.stringify(sink.relay)).not.toContain(TOKEN);
  });
});

describe('the model relay streams', () => {
  it('passes SSE through as it arrives, and safeguard_results unchanged', async () => {
    let release: () => void = () => undefined;
    const upstream = createServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('event: message_start\ndata: {"safeguard_results":{"plan_review":"ok"}}\n\n');
      release = () => res.end('event: message_stop\ndata: {}\n\n');
    });
    upstream.listen(0, '127.0.0.1');
    await once(upstream, 'listening');
    const relay = await startRelay({
      upstream: new URL(`http://127.0.0.1:${(upstream.address() as AddressInfo).port}`),
      apiKey: KEY,
      tokens: fixedTokens(TOKEN),
      host: '127.0.0.1',
      port: 0,
      log: () => undefined,
    });
    try {
      const body = '{"model":"m","stream":true}';
      const client = await rawRequest(
        relay.port,
        `POST /v1/messages HTTP/1.1\r\nHost: relay\r\nx-api-key: ${TOKEN}\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
      );
      // The first event arrives while the upstream still holds the stream open.
      await client.waitFor('"safeguard_results":{"plan_review":"ok"}');
      expect(client.body()).not.toContain('message_stop');
      release();
      await client.waitFor('message_stop');
    } finally {
      await relay.close();
      upstream.close();
    }
  });
});
