import { spawn } from 'node:child_process';
import { createServer, type Server, type Socket } from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { packageRoot } from '../../../src/paths.js';

// The real adapter script against a loopback fake gate: what it prints and how it exits for every
// answer and every way the gate can fail. Claude Code proceeds on every exit code but 2, so the one
// thing it must never do is exit 1 (or anything else).

const ADAPTER = path.join(packageRoot(), 'images', 'agent', 'ccbox-hook');
const PRE = JSON.stringify({
  session_id: 's',
  hook_event_name: 'PreToolUse',
  tool_name: 'Bash',
  tool_input: { command: 'curl https://x.example — ünïcode' },
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

function runAdapter(endpoint: string | undefined, args: string[], input = PRE): Promise<Run> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH };
    if (endpoint !== undefined) env.CCBOX_HOOK_ENDPOINT = endpoint;
    const child = spawn('bash', [ADAPTER, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, ms: performance.now() - t0 }));
    child.stdin.end(input);
  });
}

const BACKLOG_HOLDER = `
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(0)
held = []
for _ in range(4):
    c = socket.socket(); c.setblocking(False)
    try: c.connect(s.getsockname())
    except BlockingIOError: pass
    held.append(c)
time.sleep(0.2)
print(s.getsockname()[1], flush=True)
sys.stdin.read()
`;

type Behaviour = (socket: Socket, request: string) => void;

const servers: Server[] = [];
const sockets: Socket[] = [];
afterEach(() => {
  for (const s of sockets.splice(0)) s.destroy();
  for (const s of servers.splice(0)) s.close();
});

/** A fake gate that reads one whole request (head and Content-Length body) and then behaves. */
async function fakeGate(behave: Behaviour, seen?: string[]): Promise<string> {
  const server = createServer((socket) => {
    sockets.push(socket);
    let data = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]);
      const end = data.indexOf('\r\n\r\n');
      if (end < 0) return;
      const length = Number(/content-length: (\d+)/i.exec(data.subarray(0, end).toString())?.[1] ?? 0);
      if (data.length < end + 4 + length) return;
      const text = data.toString('utf8');
      seen?.push(text);
      behave(socket, text);
    });
    socket.on('error', () => undefined);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return `127.0.0.1:${address.port}`;
}

const answer =
  (status: string, body: string): Behaviour =>
  (socket) =>
    socket.end(`HTTP/1.1 ${status}\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n${body}`);

const decision = (d: string, reason: string): string =>
  JSON.stringify({
    hookSpecificOutput: {
      hookEventName: 'PreToolUse',
      permissionDecision: d,
      permissionDecisionReason: reason,
    },
  });

describe('ccbox-hook (the agent-side adapter)', () => {
  for (const d of ['allow', 'ask', 'deny']) {
    it(`passes the gate's ${d} through as Claude Code's hook JSON, exit 0`, async () => {
      const seen: string[] = [];
      const endpoint = await fakeGate(answer('200 OK', decision(d, `because ${d}`)), seen);
      const r = await runAdapter(endpoint, ['fail-closed', '2']);
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout)).toEqual(JSON.parse(decision(d, `because ${d}`)));
      // One HTTP/1.0 POST, the hook input whole as the body, with its length in bytes (not characters).
      const [req] = seen;
      expect(req).toMatch(/^POST \/hook HTTP\/1\.0\r\n/);
      expect(req?.endsWith(`\r\n\r\n${PRE}`)).toBe(true);
      expect(req).toContain(`Content-Length: ${Buffer.byteLength(PRE)}\r\n`);
    });
  }

  it('leaves no process holding Claude Code’s pipes once it has answered (the watchdog and its sleep)', async () => {
    const endpoint = await fakeGate(answer('200 OK', decision('allow', 'ok')));
    // The sleep of a watchdog killed at the wrong moment once held stderr open for the whole wait.
    for (let i = 0; i < 40; i++) {
      const r = await runAdapter(endpoint, ['fail-closed', '5']);
      expect(r.code).toBe(0);
      expect(r.ms, `run ${i}: closed only after the watchdog's wait`).toBeLessThan(2000);
    }
  });

  const failures: Array<[string, () => Promise<string | undefined>]> = [
    ['no endpoint is set', () => Promise.resolve(undefined)],
    [
      'the connection is refused',
      async () => {
        const endpoint = await fakeGate(() => undefined);
        servers.pop()?.close();
        await new Promise((r) => setTimeout(r, 20));
        return endpoint;
      },
    ],
    ['the gate never answers', () => fakeGate(() => undefined)],
    ['the gate answers 500', () => fakeGate(answer('500 Internal Server Error', decision('allow', 'x')))],
    ['the gate answers an empty body', () => fakeGate(answer('200 OK', ''))],
    ['the gate answers something that is not JSON', () => fakeGate(answer('200 OK', 'allow'))],
    ['the gate resets the connection', () => fakeGate((s) => s.resetAndDestroy())],
    ['the gate sends half an answer and hangs', () => fakeGate((s) => s.write('HTTP/1.1 200 OK\r\n'))],
  ];

  for (const [what, gate] of failures) {
    it(`fails closed (exit 2, the reason on stderr) when ${what}`, async () => {
      const r = await runAdapter(await gate(), ['fail-closed', '1']);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/^ccbox-hook: .+the gate's policy could not decide/);
      expect(r.stdout).toBe('');
      expect(r.ms, 'within its own timeout, before Claude Code gives up on the hook').toBeLessThan(4000);
    });

    it(`fails open (exit 0 with a warning) when ${what} in a fail-open tier`, async () => {
      const r = await runAdapter(await gate(), ['fail-open', '1']);
      expect(r.code, r.stderr).toBe(0);
      const out = JSON.parse(r.stdout) as { systemMessage?: string; hookSpecificOutput?: unknown };
      expect(out.systemMessage).toMatch(/^ccbox-hook: .+fail-open tier: proceeding without a decision$/);
      expect(out.hookSpecificOutput).toBeUndefined();
      expect(r.stderr).toMatch(/fail-open: proceeding/);
    });
  }

  it('refuses a PermissionRequest in its JSON when the gate is down (exit 2 is ignored there)', async () => {
    const input = JSON.stringify({ hook_event_name: 'PermissionRequest', tool_name: 'Bash' });
    const r = await runAdapter(undefined, ['fail-closed', '1'], input);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { hookSpecificOutput: { decision: { behavior: string } } };
    expect(out.hookSpecificOutput.decision.behavior).toBe('deny');
  });

  it('gives up on a connect that hangs (a full backlog) within its timeout, not Claude Code’s', async () => {
    // A listener that never accepts, its backlog filled: the kernel drops the next SYN, connect() hangs.
    const holder = spawn('python3', ['-c', BACKLOG_HOLDER], { stdio: ['pipe', 'pipe', 'inherit'] });
    try {
      const port = await new Promise<string>((resolve) =>
        holder.stdout.once('data', (d: Buffer) => resolve(d.toString().trim())),
      );
      const r = await runAdapter(`127.0.0.1:${port}`, ['fail-closed', '1']);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/did not answer within 1 s/);
      expect(r.ms).toBeLessThan(4000);
    } finally {
      holder.kill();
    }
  });
});
