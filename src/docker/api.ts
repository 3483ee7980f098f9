import type { ClientRequest, IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import type { Duplex } from 'node:stream';
import { addAbortSignal } from 'node:stream';

// Why not `import … from 'node:http'`: an ESM import of a built-in evaluates all of its lazy exports
// (undici's WebSocket among them), about 40 ms of every session's start.
const { Agent, request } = process.getBuiltinModule('node:http');

/** Where an engine listens. */
export type EngineEndpoint = { socketPath: string } | { host: string; port: number };

/** A query string value; objects (filters, build args, labels) go as JSON, arrays as repeated keys. */
export type QueryValue = string | number | boolean | undefined | readonly string[] | Record<string, unknown>;
export type Query = Readonly<Record<string, QueryValue>>;

/** A body stream: a Node Readable or tar-stream's pack (a streamx stream), both of which pipe. */
export interface ByteSource {
  pipe(destination: NodeJS.WritableStream): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
}

export interface CallOptions {
  query?: Query;
  /** A JSON body. */
  body?: unknown;
  /** A raw body (a tar stream for build and import); sent chunked with this content type. */
  input?: { stream: ByteSource; contentType: string };
  signal?: AbortSignal;
}

/**
 * A refused Engine API call: the HTTP status and the engine's own message. Why these field names:
 * errors.ts reads `statusCode` and `json.message` from every engine failure, whatever produced it.
 */
export class EngineApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly json: { message?: string } | undefined,
    what: string,
  ) {
    super(`${what}: (HTTP ${statusCode}) ${json?.message ?? 'no message'}`);
    this.name = 'EngineApiError';
  }
}

export function queryString(query: Query | undefined): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value as readonly string[]) params.append(key, v);
    else if (typeof value === 'object') params.append(key, JSON.stringify(value));
    else params.append(key, String(value));
  }
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

/** The engine's message from an error body: `{"message": …}` JSON, or the text itself. */
function messageOf(body: Buffer): string {
  const text = body.toString('utf8');
  try {
    const json = JSON.parse(text) as unknown;
    const message = (json as { message?: unknown } | null)?.message;
    if (typeof message === 'string') return message;
  } catch {
    // Not JSON: the text is the message.
  }
  return text.trim();
}

async function readAll(res: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * The Docker Engine API (Podman's compatible one too) over node:http. Why not an SDK: the calls ccbox
 * makes are a few dozen plain HTTP requests; an SDK brought gRPC, protobuf and SSH into a security
 * tool's dependency tree and a tenth of a second into every session's start.
 */
export class EngineApi {
  // Why keep-alive: a session makes a few dozen calls; reusing the connection saves a connect each.
  // Node unrefs idle sockets, so they never keep ccbox alive.
  private readonly agent = new Agent({ keepAlive: true });

  constructor(private readonly endpoint: EngineEndpoint) {}

  private send(
    method: string,
    path: string,
    options: CallOptions,
    extraHeaders: OutgoingHttpHeaders = {},
  ): ClientRequest {
    const headers: OutgoingHttpHeaders = { ...extraHeaders };
    let payload: string | undefined;
    if (options.input) {
      headers['Content-Type'] = options.input.contentType;
      headers['Transfer-Encoding'] = 'chunked';
    } else if (options.body !== undefined) {
      payload = JSON.stringify(options.body);
      headers['Content-Type'] = 'application/json';
      headers['Content-Length'] = Buffer.byteLength(payload);
    } else if (method !== 'GET' && method !== 'HEAD') {
      headers['Content-Length'] = 0;
    }
    const target =
      'socketPath' in this.endpoint
        ? { socketPath: this.endpoint.socketPath }
        : { host: this.endpoint.host, port: this.endpoint.port };
    const req = request({
      ...target,
      agent: this.agent,
      method,
      path: `${path}${queryString(options.query)}`,
      headers,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    if (options.input) {
      const input = options.input.stream;
      input.on('error', (err: Error) => req.destroy(err));
      input.pipe(req);
    } else {
      req.end(payload);
    }
    return req;
  }

  /** One call whose answer is a response stream; a non-2xx answer becomes an EngineApiError. */
  async response(method: string, path: string, options: CallOptions = {}): Promise<IncomingMessage> {
    const attempt = (retried: boolean): Promise<IncomingMessage> => {
      const req = this.send(method, path, options);
      return new Promise<IncomingMessage>((resolve, reject) => {
        req.once('response', resolve);
        req.once('error', (err: Error & { code?: string }) => {
          // Why one retry: a kept-alive connection the engine closed while idle fails before the engine
          // read the request, so sending it again is safe (a streamed body cannot be sent again). On a
          // Unix socket the peer's close shows as EPIPE on the write instead of ECONNRESET.
          if (
            req.reusedSocket &&
            (err.code === 'ECONNRESET' || err.code === 'EPIPE') &&
            !options.input &&
            !retried
          )
            resolve(attempt(true));
          else reject(err);
        });
      });
    };
    const res = await attempt(false);
    // Why: aborting must also end a response that is still streaming (a build, a long wait).
    if (options.signal) addAbortSignal(options.signal, res);
    const status = res.statusCode ?? 0;
    if (status < 200 || status > 299) {
      const body = await readAll(res).catch(() => Buffer.alloc(0));
      throw new EngineApiError(status, { message: messageOf(body) }, `${method} ${path}`);
    }
    return res;
  }

  /** One call whose answer is read whole. */
  async buffer(method: string, path: string, options: CallOptions = {}): Promise<Buffer> {
    return readAll(await this.response(method, path, options));
  }

  /** One call whose answer is JSON (undefined for an empty body). */
  async json<T>(method: string, path: string, options: CallOptions = {}): Promise<T> {
    const text = (await this.buffer(method, path, options)).toString('utf8');
    return (text.trim() === '' ? undefined : JSON.parse(text)) as T;
  }

  /**
   * A call that upgrades the connection to a raw stream (attach, exec start). Why the Upgrade header:
   * the engine then hands over the socket both ways, so stdin can be half-closed for EOF.
   */
  async hijack(method: string, path: string, options: CallOptions = {}): Promise<Duplex> {
    const req = this.send(method, path, options, { Connection: 'Upgrade', Upgrade: 'tcp' });
    return new Promise<Duplex>((resolve, reject) => {
      req.once('upgrade', (_res: IncomingMessage, socket: Duplex, head: Buffer) => {
        if (head.length > 0) socket.unshift(head);
        resolve(socket);
      });
      // No upgrade: a refusal (its message is the engine's), or an engine that cannot hijack at all.
      req.once('response', (res: IncomingMessage) => {
        void readAll(res)
          .catch(() => Buffer.alloc(0))
          .then((body) => {
            const status = res.statusCode ?? 0;
            const message =
              status >= 200 && status < 300
                ? 'the engine answered without upgrading the connection to a stream'
                : messageOf(body);
            reject(new EngineApiError(status, { message }, `${method} ${path}`));
          });
      });
      req.once('error', reject);
    });
  }
}
