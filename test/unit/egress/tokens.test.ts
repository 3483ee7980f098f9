import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { tokenService } from '../../../egress/src/tokens.js';
import { tokenEndpoint } from '../../../egress/src/token-endpoint.js';
import { startRelay, type RelayHandle } from '../../../egress/src/relay.js';

// The agent's model tokens: minted by the gate, short-lived, renewable only with the session's
// renewal secret, worthless at any other gate.

describe('session tokens', () => {
  it('a token is accepted until its expiry and refused after it', () => {
    let t = 1_000_000_000_000;
    const s = tokenService('abcd1234', 60, () => t);
    const first = s.bootstrap();
    expect(first).not.toBeNull();
    expect(s.accepts(first!.token)).toBe(true);
    t += 59_000;
    expect(s.accepts(first!.token)).toBe(true);
    t += 2_000;
    expect(s.accepts(first!.token)).toBe(false);
  });

  it('bootstraps once; renews only with the renewal secret, even after the token expired', () => {
    let t = 1_000_000_000_000;
    const s = tokenService('abcd1234', 60, () => t);
    const first = s.bootstrap()!;
    expect(s.bootstrap()).toBeNull();
    expect(s.renew('wrong')).toBeNull();
    expect(s.renew(first.token)).toBeNull();
    t += 3_600_000; // an idle hour: the old token is dead, the session is not
    const next = s.renew(first.renewal)!;
    expect(s.accepts(next.token)).toBe(true);
    expect(s.accepts(first.token)).toBe(false);
  });

  it("another gate (another session, or the same session's next gate) refuses the token", () => {
    const a = tokenService('abcd1234', 60);
    const b = tokenService('abcd1234', 60);
    const c = tokenService('ffff0000', 60);
    const tok = a.bootstrap()!.token;
    expect(b.accepts(tok)).toBe(false);
    expect(c.accepts(tok)).toBe(false);
  });

  it('refuses forged and malformed tokens', () => {
    const s = tokenService('abcd1234', 60);
    const tok = s.bootstrap()!.token;
    const [, , , exp, mac] = tok.split('-');
    const later = `ccbox-abcd1234-${Number(exp) + 3600}-${mac}`;
    for (const bad of [
      later,
      `${tok}0`,
      tok.slice(0, -1),
      '',
      'ccbox-abcd1234-',
      'ccbox-abcd1234-x-y',
      tok.toUpperCase(),
    ])
      expect(s.accepts(bad)).toBe(false);
  });

  it('the endpoint answers in plain lines and its events never carry a value', () => {
    const s = tokenService('abcd1234', 60);
    const first = tokenEndpoint(s, undefined);
    expect(first.status).toBe(200);
    const [token, renewal] = first.body.split('\n');
    expect(s.accepts(token!)).toBe(true);
    expect(JSON.stringify(first.outcome)).not.toContain(token!);
    expect(JSON.stringify(first.outcome)).not.toContain(renewal!);
    expect(tokenEndpoint(s, undefined).status).toBe(401);
    expect(tokenEndpoint(s, 'Bearer nope').status).toBe(401);
    const renewed = tokenEndpoint(s, `Bearer ${renewal}`);
    expect(renewed.status).toBe(200);
    expect(renewed.body.split('\n')[1]).toBe('');
  });
});

describe('the relay with session tokens', () => {
  let relay: RelayHandle | undefined;
  let upstream: http.Server | undefined;
  afterEach(async () => {
    await relay?.close();
    upstream?.closeAllConnections();
    await new Promise<void>((r) => (upstream ? upstream.close(() => r()) : r()));
  });

  async function post(
    port: number,
    path: string,
    headers: Record<string, string>,
  ): Promise<{ status: number; body: string }> {
    const res = await fetch(`http://127.0.0.1:${port}${path}`, {
      method: 'POST',
      headers,
      body: path === '/ccbox/token' ? undefined : '{}',
    });
    return { status: res.status, body: await res.text() };
  }

  it('mints a token, forwards with it, and refuses connections that did not come in on the internal address', async () => {
    const seen: string[] = [];
    upstream = http.createServer((req, res) => {
      seen.push(String(req.headers['x-api-key']));
      req.resume();
      req.on('end', () => res.end('{}'));
    });
    await new Promise<void>((r) => upstream!.listen(0, '127.0.0.1', r));
    const base = {
      upstream: new URL(`http://127.0.0.1:${(upstream.address() as AddressInfo).port}`),
      apiKey: 'sk-real',
      host: '127.0.0.1',
      port: 0,
      log: () => undefined,
    };
    relay = await startRelay({ ...base, tokens: tokenService('abcd1234', 60), internalAddress: '127.0.0.1' });
    const minted = await post(relay.port, '/ccbox/token', {});
    expect(minted.status).toBe(200);
    const token = minted.body.split('\n')[0]!;
    expect(
      (await post(relay.port, '/v1/messages', { 'x-api-key': token, 'content-type': 'application/json' }))
        .status,
    ).toBe(200);
    expect(seen).toEqual(['sk-real']);
    expect(
      (
        await post(relay.port, '/v1/messages', {
          'x-api-key': 'ccbox-abcd1234-1-00',
          'content-type': 'application/json',
        })
      ).status,
    ).toBe(401);
    await relay.close();
    relay = await startRelay({
      ...base,
      tokens: tokenService('abcd1234', 60),
      internalAddress: '10.255.255.1',
    });
    expect((await post(relay.port, '/ccbox/token', {})).status).toBe(403);
    expect(seen).toHaveLength(1);
  });
});
