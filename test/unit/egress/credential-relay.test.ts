import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startCredentialRelay } from '../../../egress/src/credential-relay.js';
import type { AuditEvent } from '../../../src/audit/event.js';

// The credential relay on loopback, its upstream leg to a recording stand-in for the gate's forward
// proxy: the header goes to the named origin only, until the credential expires; events carry no value.

const VALUE = 'unit-credential-value-42';
let proxy: http.Server | undefined;
let close: (() => Promise<void>) | undefined;

afterEach(async () => {
  await close?.();
  proxy?.closeAllConnections();
  await new Promise<void>((r) => (proxy ? proxy.close(() => r()) : r()));
});

describe('the credential relay', () => {
  it('adds the header for its origin, through the forward proxy; refuses other origins, names and expired ones', async () => {
    const seen: Array<{ url: string; headers: http.IncomingHttpHeaders }> = [];
    proxy = http.createServer((req, res) => {
      seen.push({ url: req.url ?? '', headers: req.headers });
      req.resume();
      req.on('end', () => res.end('upstream-ok'));
    });
    await new Promise<void>((r) => proxy?.listen(0, '127.0.0.1', r));
    const events: AuditEvent[] = [];
    let now = 1_000_000;
    const relay = await startCredentialRelay({
      credentials: [
        {
          name: 'gh',
          value: VALUE,
          header: 'X-Token',
          format: 'token {value}',
          origins: ['http://site.test'],
          expiresAt: now + 60_000,
        },
      ],
      proxyPort: (proxy.address() as AddressInfo).port,
      host: '127.0.0.1',
      port: 0,
      sink: { write: (e) => void events.push(e), failure: () => null, close: () => Promise.resolve() },
      session: 's1',
      policyVersion: 'p1',
      log: () => undefined,
      now: () => now,
    });
    close = () => relay.close();
    const url = `http://127.0.0.1:${relay.port}`;
    const get = async (p: string, headers: Record<string, string> = {}) => {
      const r = await fetch(`${url}${p}`, { headers });
      return [r.status, await r.text()];
    };
    // The agent's own copy of the header is dropped; the gate's goes on.
    expect(await get('/gh/site.test/a?b=1', { 'x-token': 'forged' })).toEqual([200, 'upstream-ok']);
    expect(await get('/gh/site.test:80/c')).toEqual([200, 'upstream-ok']);
    expect(seen.map((s) => [s.url, s.headers['x-token'], s.headers.host])).toEqual([
      ['http://site.test/a?b=1', `token ${VALUE}`, 'site.test'],
      ['http://site.test/c', `token ${VALUE}`, 'site.test'],
    ]);
    expect((await get('/gh/other.test/a'))[0]).toBe(403);
    expect((await get('/nope/site.test/a'))[0]).toBe(404);
    expect((await get('/gh/site.test:8080/a'))[0]).toBe(403);
    now += 60_000;
    expect((await get('/gh/site.test/a'))[0]).toBe(401);
    expect(seen).toHaveLength(2);
    expect(events.map((e) => e.rule)).toEqual([
      'credential:mint',
      'credential:use',
      'credential:use',
      'deny:credential-origin',
      'deny:credential-unknown',
      'deny:credential-origin',
      'deny:credential-expired',
    ]);
    expect(JSON.stringify(events)).not.toContain(VALUE);
  });
});
