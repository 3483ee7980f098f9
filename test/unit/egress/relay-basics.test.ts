import { fixedTokens } from './fixed-tokens.js';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startRelay, type RelayHandle } from '../../../egress/src/relay.js';

// The model relay on loopback in front of a recording upstream: the session token in, the real key out,
// and nothing of either where it does not belong.

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

const TOKEN = 'ccbox-session-token-0123456789';
const REAL = 'sk-ant-real-key';

let upstream: http.Server;
let seen: Seen[];
let relay: RelayHandle | undefined;

beforeEach(async () => {
  seen = [];
  upstream = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      res.writeHead(201, { 'content-type': 'text/plain', connection: 'close', 'x-upstream': 'yes' });
      res.end('from-upstream');
    });
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
});

afterEach(async () => {
  await relay?.close();
  relay = undefined;
  upstream.closeAllConnections();
  await new Promise<void>((r) => upstream.close(() => r()));
});

async function start(apiKey: string | undefined, base = '/base/'): Promise<string> {
  const port = (upstream.address() as AddressInfo).port;
  relay = await startRelay({
    upstream: new URL(`http://127.0.0.1:${port}${base}`),
    apiKey,
    tokens: fixedTokens(TOKEN),
    host: '127.0.0.1',
    port: 0,
    log: () => undefined,
  });
  return `http://127.0.0.1:${relay.port}`;
}

describe('the model relay', () => {
  it('refuses a wrong, a missing or a longer token with 401 and never reaches the upstream', async () => {
    const url = await start(REAL);
    for (const headers of [{ 'x-api-key': 'sk-guess' }, {}, { authorization: `Bearer ${TOKEN}x` }]) {
      const res = await fetch(`${url}/v1/messages`, { method: 'POST', headers, body: '{}' });
      expect(res.status).toBe(401);
      const text = await res.text();
      expect(JSON.parse(text)).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
      expect(text).not.toContain(REAL);
    }
    expect(seen).toEqual([]);
  });

  it('swaps the token for the real key, keeps method, path and body, and drops the agent credentials', async () => {
    const url = await start(REAL);
    const res = await fetch(`${url}/v1/messages?beta=true`, {
      method: 'POST',
      headers: {
        'x-api-key': TOKEN,
        'content-type': 'application/json',
        'proxy-authorization': 'Basic eA==',
      },
      body: '{"model":"m"}',
    });
    expect(res.status).toBe(201);
    expect(await res.text()).toBe('from-upstream');
    expect(res.headers.get('x-upstream')).toBe('yes');
    expect(seen).toHaveLength(1);
    const [req] = seen;
    expect(req).toMatchObject({ method: 'POST', url: '/base/v1/messages?beta=true', body: '{"model":"m"}' });
    expect(req?.headers['x-api-key']).toBe(REAL);
    expect(req?.headers).not.toHaveProperty('authorization');
    expect(req?.headers).not.toHaveProperty('proxy-authorization');
    expect(JSON.stringify(req?.headers)).not.toContain(TOKEN);
  });

  it('accepts the token as a bearer and, keyless, sends no key at all', async () => {
    const url = await start(undefined, '/');
    const res = await fetch(`${url}/v1/models`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(201);
    expect(seen[0]?.url).toBe('/v1/models');
    expect(seen[0]?.headers).not.toHaveProperty('x-api-key');
    expect(seen[0]?.headers).not.toHaveProperty('authorization');
  });

  it('answers 502 naming the problem when the upstream is unreachable, without the key', async () => {
    const port = (upstream.address() as AddressInfo).port;
    upstream.closeAllConnections();
    await new Promise<void>((r) => upstream.close(() => r()));
    relay = await startRelay({
      upstream: new URL(`http://127.0.0.1:${port}`),
      apiKey: REAL,
      tokens: fixedTokens(TOKEN),
      host: '127.0.0.1',
      port: 0,
      log: () => undefined,
    });
    upstream = http.createServer();
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    const res = await fetch(`http://127.0.0.1:${relay.port}/v1/messages?beta=true`, {
      method: 'POST',
      headers: { 'x-api-key': TOKEN, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBe(502);
    const text = await res.text();
    expect(text).toMatch(/model endpoint is unreachable/);
    expect(text).not.toContain(REAL);
  });
});
