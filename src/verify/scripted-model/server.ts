import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import { classifyRequest } from './classify.js';
import { replyForTurn, replyJson, replySse, textReply, type AssistantReply } from './messages.js';
import { redactHeaders } from './redact.js';
import { safeguardResults } from './safeguards.js';
import type { RecordedRequest, Script } from './types.js';

// Only node built-ins and siblings: this module runs inside a container from a bare Node binary.

/** How to start a scripted model endpoint. */
export interface ScriptedModelOptions {
  script: Script;
  /** Default 127.0.0.1; a container serving other containers passes 0.0.0.0. */
  host?: string;
  /** Default 0 (any free port). */
  port?: number;
  /** When set, requests must carry it (`x-api-key` or `Authorization: Bearer`), else 401: lets a test prove a relay added the key. */
  apiKey?: string;
  /** Answer to side requests (titles, summaries, quota probes); default "OK". */
  sideText?: string;
  /** One line per request, e.g. to stderr; default silent. */
  log?: (line: string) => void;
}

/** A running endpoint; `requests` grows as requests arrive. */
export interface ScriptedModel {
  url: string;
  port: number;
  requests: RecordedRequest[];
  /** How many main-loop requests were answered so far. */
  mainRequests(): number;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

const MAX_BODY_BYTES = 64 * 1024 * 1024;

async function readBody(req: IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new Error('request body too large');
    parts.push(chunk as Buffer);
  }
  const raw = Buffer.concat(parts);
  const encoding = req.headers['content-encoding'];
  const decoded =
    encoding === 'gzip'
      ? gunzipSync(raw)
      : encoding === 'deflate'
        ? inflateSync(raw)
        : encoding === 'br'
          ? brotliDecompressSync(raw)
          : raw;
  return decoded.toString('utf8');
}

function parseBody(text: string): unknown {
  if (text === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

function sendError(res: ServerResponse, status: number, type: string, message: string): void {
  sendJson(res, status, { type: 'error', error: { type, message } });
}

function sendReply(
  res: ServerResponse,
  withoutVerdicts: AssistantReply,
  body: unknown,
  requestId: string,
): void {
  const verdicts = safeguardResults(body, withoutVerdicts);
  const reply = verdicts ? { ...withoutVerdicts, safeguardResults: verdicts } : withoutVerdicts;
  const stream = field(body, 'stream') === true;
  if (!stream) {
    res.setHeader('request-id', requestId);
    sendJson(res, 200, replyJson(reply));
    return;
  }
  res.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    'request-id': requestId,
  });
  for (const event of replySse(reply)) res.write(event);
  res.end();
}

function field(body: unknown, name: string): unknown {
  return typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[name] : undefined;
}

function hasKey(req: IncomingMessage, key: string): boolean {
  return req.headers['x-api-key'] === key || req.headers.authorization === `Bearer ${key}`;
}

/**
 * Why: ccbox's end-to-end and red-team tests must drive the real Claude Code deterministically and
 * offline. This serves the Anthropic Messages API from a script: each main-loop request gets the
 * next turn, side requests get a short text, and every request is recorded for assertions.
 */
export async function startScriptedModel(options: ScriptedModelOptions): Promise<ScriptedModel> {
  const requests: RecordedRequest[] = [];
  let nextTurn = 0;
  const log = options.log ?? (() => {});

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    const pathname = path.split('?')[0];
    if (method === 'GET' && pathname === '/_scripted/requests') return sendJson(res, 200, { requests });
    const body = parseBody(await readBody(req));
    const kind = classifyRequest(method, path, body);
    const index = requests.length;
    const record: RecordedRequest = { index, method, path, headers: redactHeaders(req.headers), body, kind };
    requests.push(record);
    if (options.apiKey !== undefined && kind !== 'other' && !hasKey(req, options.apiKey)) {
      log(`#${index} ${method} ${path} -> 401 (missing or wrong key)`);
      return sendError(res, 401, 'authentication_error', 'invalid x-api-key');
    }
    const model =
      typeof field(body, 'model') === 'string' ? (field(body, 'model') as string) : 'claude-scripted';
    const inputTokens = Math.max(1, Math.ceil(JSON.stringify(body ?? '').length / 4));
    const id = `msg_scripted_${index}`;
    switch (kind) {
      case 'main': {
        const turn = nextTurn < options.script.turns.length ? nextTurn : -1;
        nextTurn += 1;
        record.turn = turn;
        log(`#${index} ${method} ${path} main turn=${turn}`);
        return sendReply(
          res,
          replyForTurn(options.script, nextTurn - 1, model, inputTokens, id),
          body,
          `req_${id}`,
        );
      }
      case 'side':
        log(`#${index} ${method} ${path} side model=${model}`);
        return sendReply(res, textReply(options.sideText ?? 'OK', model, inputTokens, id), body, `req_${id}`);
      case 'count_tokens':
        log(`#${index} ${method} ${path} count_tokens`);
        return sendJson(res, 200, { input_tokens: inputTokens });
      case 'other':
        log(`#${index} ${method} ${path} other`);
        if (pathname === '/api/hello') return sendJson(res, 200, { ok: true });
        if (method === 'GET' && pathname === '/v1/models')
          return sendJson(res, 200, { data: [], has_more: false, first_id: null, last_id: null });
        return sendError(res, 404, 'not_found_error', `scripted model does not serve ${method} ${pathname}`);
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      log(`request failed: ${error instanceof Error ? error.message : String(error)}`);
      if (!res.headersSent)
        sendError(res, 400, 'invalid_request_error', 'scripted model could not read the request');
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const close = async (): Promise<void> => {
    server.closeAllConnections();
    await new Promise<void>((resolve, reject) =>
      server.close((error) => (error ? reject(error) : resolve())),
    );
  };
  return {
    url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${address.port}`,
    port: address.port,
    requests,
    mainRequests: () => nextTurn,
    close,
    [Symbol.asyncDispose]: close,
  };
}
