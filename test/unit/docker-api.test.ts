import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { Readable } from 'node:stream';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineApi, queryString } from '../../src/docker/api.js';
import {
  engineError,
  engineMessageOf,
  isAbort,
  isNotFound,
  isUnreachable,
  statusCodeOf,
} from '../../src/docker/errors.js';
import { ExitCodes } from '../../src/exit-codes.js';

// The Engine API client against a fake engine on a unix socket: what each call sends, how each kind of
// answer comes back, and how failures are shaped for errors.ts.

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

let dir = '';
let socketPath = '';
let server: Server;
const seen: Seen[] = [];

function answer(req: IncomingMessage, res: ServerResponse, body: string): void {
  seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
  const url = new URL(req.url ?? '/', 'http://engine');
  switch (url.pathname) {
    case '/version':
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ Version: '99.0', ApiVersion: '1.41' }));
      return;
    case '/containers/abc/start':
      res.statusCode = 204;
      res.end();
      return;
    case '/containers/missing/json':
      res.statusCode = 404;
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ message: 'No such container: missing' }));
      return;
    case '/plain-error':
      res.statusCode = 500;
      res.end('something broke\n');
      return;
    case '/build':
      res.end(`{"stream":"got ${body.length} bytes"}\n`);
      return;
    case '/once-per-connection':
      res.end('{"ok":true}');
      return;
    case '/never':
      return; // never answers
    default:
      res.statusCode = 404;
      res.end(JSON.stringify({ message: `no route ${url.pathname}` }));
  }
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'ccbox-api-'));
  socketPath = path.join(dir, 'engine.sock');
  const served = new WeakMap<object, number>();
  server = createServer((req, res) => {
    // An engine that drops a kept-alive connection: the second request on one connection is cut off.
    const n = (served.get(req.socket) ?? 0) + 1;
    served.set(req.socket, n);
    if (req.url === '/once-per-connection' && n > 1) {
      req.socket.destroy();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => answer(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  // Hijack: answer 101 plus the first output bytes in the same write (they arrive as the upgrade's
  // `head`), then echo what the client sends until it half-closes.
  server.on('upgrade', (req: IncomingMessage, socket: Duplex) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: '' });
    if ((req.url ?? '').startsWith('/containers/missing/')) {
      socket.end(
        'HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: 37\r\n\r\n' +
          '{"message":"No such container: gone"}',
      );
      return;
    }
    socket.write(
      'HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\n' +
        'Connection: Upgrade\r\nUpgrade: tcp\r\n\r\nhello ',
    );
    const got: Buffer[] = [];
    socket.on('data', (c: Buffer) => got.push(c));
    socket.on('end', () => socket.end(`echo:${Buffer.concat(got).toString('utf8')}`));
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

const last = (): Seen => {
  const s = seen.at(-1);
  if (!s) throw new Error('no request seen');
  return s;
};

describe('the Engine API client', () => {
  it('encodes queries as the engine reads them: objects as JSON, arrays as repeated keys', () => {
    expect(
      queryString({
        all: true,
        tail: 20,
        skipped: undefined,
        filters: { label: ['dev.ccbox.session'] },
        changes: ['LABEL a=b', 'ENV X=1'],
      }),
    ).toBe(
      '?all=true&tail=20&filters=%7B%22label%22%3A%5B%22dev.ccbox.session%22%5D%7D' +
        '&changes=LABEL+a%3Db&changes=ENV+X%3D1',
    );
    expect(queryString({})).toBe('');
  });

  it('sends JSON bodies and reads JSON and empty answers', async () => {
    const api = new EngineApi({ socketPath });
    await expect(api.json('GET', '/version')).resolves.toEqual({ Version: '99.0', ApiVersion: '1.41' });
    await expect(api.json('POST', '/containers/abc/start', { body: { a: 1 } })).resolves.toBeUndefined();
    expect(last()).toMatchObject({ method: 'POST', body: '{"a":1}' });
    expect(last().headers['content-type']).toBe('application/json');
    await api.buffer('POST', '/containers/abc/start');
    expect(last().headers['content-length']).toBe('0');
  });

  it('turns a refusal into an error with the status and the engine’s own message', async () => {
    const api = new EngineApi({ socketPath });
    const err = await api.json('GET', '/containers/missing/json').catch((e: unknown) => e);
    expect(statusCodeOf(err)).toBe(404);
    expect(isNotFound(err)).toBe(true);
    expect(engineMessageOf(err)).toBe('No such container: missing');
    const plain = await api.buffer('GET', '/plain-error').catch((e: unknown) => e);
    expect(statusCodeOf(plain)).toBe(500);
    expect(engineMessageOf(plain)).toBe('something broke');
    expect(engineError('Inspecting', plain, ExitCodes.sandboxFailed).message).toBe(
      'Inspecting failed: something broke',
    );
  });

  it('streams a raw body chunked with its content type', async () => {
    const api = new EngineApi({ socketPath });
    const res = await api.response('POST', '/build', {
      query: { t: 'x:y' },
      input: {
        stream: Readable.from([Buffer.alloc(70_000, 1), Buffer.alloc(30_000, 2)]),
        contentType: 'application/x-tar',
      },
    });
    let text = '';
    for await (const c of res) text += (c as Buffer).toString('utf8');
    expect(text).toBe('{"stream":"got 100000 bytes"}\n');
    expect(last().headers['content-type']).toBe('application/x-tar');
    expect(last().headers['transfer-encoding']).toBe('chunked');
    expect(last().url).toBe('/build?t=x%3Ay');
  });

  it('hijacks a connection without losing the bytes that came with the upgrade, and half-closes for EOF', async () => {
    const api = new EngineApi({ socketPath });
    const socket = await api.hijack('POST', '/containers/abc/attach', {
      query: { stream: true, stdin: true },
    });
    expect(last().headers.upgrade).toBe('tcp');
    const received: Buffer[] = [];
    socket.on('data', (c: Buffer) => received.push(c));
    const ended = new Promise((resolve) => socket.on('end', resolve));
    socket.end('typed input');
    await ended;
    expect(Buffer.concat(received).toString('utf8')).toBe('hello echo:typed input');
  });

  it('rejects a hijack the engine refuses, with its message', async () => {
    const api = new EngineApi({ socketPath });
    const err = await api.hijack('POST', '/containers/missing/attach').catch((e: unknown) => e);
    expect(statusCodeOf(err)).toBe(404);
    expect(engineMessageOf(err)).toBe('No such container: gone');
  });

  it('sends a request again when the engine had closed the kept-alive connection it went out on', async () => {
    const api = new EngineApi({ socketPath });
    await api.json('GET', '/version'); // leaves a kept-alive connection
    await expect(api.json('GET', '/once-per-connection')).resolves.toEqual({ ok: true });
  });

  it('gives up on an engine that never answers when the signal fires', async () => {
    const api = new EngineApi({ socketPath });
    const err = await api
      .json('GET', '/never', { signal: AbortSignal.timeout(100) })
      .catch((e: unknown) => e);
    expect(isAbort(err)).toBe(true);
  });

  it('reports a socket nobody listens on as an unreachable engine', async () => {
    const api = new EngineApi({ socketPath: path.join(dir, 'nobody.sock') });
    const err = await api.json('GET', '/version').catch((e: unknown) => e);
    expect(isUnreachable(err)).toBe(true);
    expect(engineError('Reading the engine version', err, ExitCodes.engineUnavailable).exitCode).toBe(
      ExitCodes.engineUnavailable,
    );
  });
});
