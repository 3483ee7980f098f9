import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cidrContains, parseCidr, parseIpAddress, type Cidr } from '../../src/common/address.js';
import type { GateHookPolicy } from '../../src/policy/hook/gate-policy.js';
import type { DecideHook, HookDecision, HookInput } from '../../src/policy/hook/types.js';
import { HOOK_PORT } from '../../src/policy/plan.js';
import { readBody } from './body.js';
import { http } from './builtins.js';
import type { EventSink } from './events.js';
import { hookAnswer, hookEvent, refusedAnswer } from './hook-answer.js';

export const HOOK_PATH = '/hook';
// Why a cap: a Write's content rides in the hook input; more than this is no file the agent writes.
const MAX_BODY_BYTES = 16 * 1024 * 1024;

export interface HookServerOptions {
  /** The session's hook policy and plan context, from the host's file (never the agent's copy). */
  hooks: GateHookPolicy;
  /** The engine with its parser loaded once at gate start (`createDecider(await loadShellParser())`). */
  decide: DecideHook;
  sink: EventSink;
  session: string;
  /**
   * The gate's address on the session's internal network: the server listens there only, and answers
   * peers on that network only. Why no token: the internal network holds the agent and the gate and
   * nothing else (its one other member would be the agent's own processes), and a token the adapter
   * holds would be the agent's to read anyway. Unset only in tests on loopback.
   */
  internalAddress?: string | undefined;
  /** Where the internal network's prefix is read from (os.networkInterfaces); injectable for tests. */
  interfaces?: () => NodeJS.Dict<Array<{ address: string; cidr: string | null }>>;
  host?: string;
  port?: number;
  log?: (line: string) => void;
}

export interface HookServerHandle {
  port: number;
  close(): Promise<void>;
}

/** The prefix of the interface that holds `address`: the internal network the agent is on. */
function subnetOf(address: string, interfaces: HookServerOptions['interfaces']): Cidr | null {
  const all = interfaces?.() ?? process.getBuiltinModule('node:os').networkInterfaces();
  for (const list of Object.values(all))
    for (const i of list ?? []) if (i.address === address && i.cidr) return parseCidr(i.cidr);
  return null;
}

const unmapped = (a: string | undefined): string => (a ?? '').replace(/^::ffff:/, '');

function parseInput(body: Buffer): HookInput | null {
  try {
    const raw = JSON.parse(body.toString('utf8')) as unknown;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return null;
    const input = raw as HookInput;
    if (typeof input.hook_event_name !== 'string') return null;
    if (input.tool_input !== undefined && (typeof input.tool_input !== 'object' || input.tool_input === null))
      return null;
    return input;
  } catch {
    return null;
  }
}

function send(res: ServerResponse, status: number, answer: Record<string, unknown>): void {
  const body = `${JSON.stringify(answer)}\n`;
  res.shouldKeepAlive = false;
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/**
 * The gate's hook endpoint: the agent's ccbox-hook posts Claude Code's hook input, the engine decides
 * with the session's policy, the answer goes back in Claude Code's hook JSON and an event goes to the
 * audit log. Every request gets an answer: what cannot be read or decided (an engine bug included) is
 * denied, so no input can take the gate down or leave the adapter without a decision.
 */
export async function startHookServer(options: HookServerOptions): Promise<HookServerHandle> {
  const log = options.log ?? ((line: string) => void process.stderr.write(`${line}\n`));
  const { policy, context } = options.hooks;
  const subnet =
    options.internalAddress !== undefined ? subnetOf(options.internalAddress, options.interfaces) : null;
  if (options.internalAddress !== undefined && subnet === null)
    throw new Error(`no interface holds the internal address ${options.internalAddress}`);
  // Paths the session's own Write calls created: running one is its own family (a script written, then run).
  const created = new Set<string>();
  const meta = (started: number, t0: number) => ({
    session: options.session,
    policyVersion: policy.policyVersion,
    started,
    durationMs: Math.round((performance.now() - t0) * 1000) / 1000,
  });

  const refuse = (
    res: ServerResponse,
    event: string,
    d: HookDecision,
    input: HookInput,
    t: [number, number],
  ) => {
    send(res, 200, refusedAnswer(event, d.rule, d.reason));
    options.sink.write(hookEvent(input, d, meta(...t)));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const t: [number, number] = [Date.now(), performance.now()];
    const peer = parseIpAddress(unmapped(req.socket.remoteAddress));
    if (
      options.internalAddress !== undefined &&
      (unmapped(req.socket.localAddress) !== options.internalAddress ||
        peer === null ||
        subnet === null ||
        !cidrContains(subnet, peer))
    ) {
      req.resume();
      return send(res, 403, { error: 'the hook endpoint answers the session network only' });
    }
    if (req.method !== 'POST' || (req.url ?? '') !== HOOK_PATH) {
      req.resume();
      return send(res, 404, { error: 'POST /hook only' });
    }
    const body = await readBody(req, MAX_BODY_BYTES);
    const input = body === null ? null : parseInput(body);
    if (input === null) {
      const reason = body === null ? 'the hook input is too large' : 'the hook input is not a hook event';
      return refuse(res, '', { decision: 'deny', rule: 'hook-input', reason }, { hook_event_name: '' }, t);
    }
    if (options.sink.failure() !== null) {
      const reason = 'the gate cannot record decisions, so it makes none';
      return refuse(res, input.hook_event_name, { decision: 'deny', rule: 'audit-failed', reason }, input, t);
    }
    const d = options.decide(input, policy, { ...context, sessionCreated: created });
    noteCreated(input, context.workspace, created);
    send(res, 200, hookAnswer(input.hook_event_name, d));
    options.sink.write(hookEvent(input, d, meta(...t)));
  };

  const server = http.createServer({ headersTimeout: 10_000, requestTimeout: 30_000 }, (req, res) => {
    const t: [number, number] = [Date.now(), performance.now()];
    handle(req, res).catch((error: unknown) => {
      // Why deny and not 500: a 500 is a failure the adapter maps to the tier's failure mode; an engine
      // bug must not become a fail-open tier's way through.
      log(`gate: hook endpoint: ${error instanceof Error ? error.message : String(error)}`);
      if (res.headersSent) return void res.destroy();
      const reason = 'the gate could not decide this call (an internal error)';
      send(res, 200, refusedAnswer('', 'hook-error', reason));
      options.sink.write(
        hookEvent({ hook_event_name: '' }, { decision: 'deny', rule: 'hook-error', reason }, meta(...t)),
      );
    });
  });
  server.on('clientError', (_error, socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? HOOK_PORT, options.host ?? options.internalAddress ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (error: Error) => log(`gate: hook endpoint error: ${error.message}`));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
}

/** A successful Write of a file in the worktree: that path is one the session created. */
function noteCreated(input: HookInput, workspace: string, created: Set<string>): void {
  if (input.hook_event_name !== 'PostToolUse' || input.tool_name !== 'Write') return;
  const file = input.tool_input?.file_path;
  if (typeof file === 'string' && file.startsWith(`${workspace}/`))
    created.add(file.slice(workspace.length + 1));
}
