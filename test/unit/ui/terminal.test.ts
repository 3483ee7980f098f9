import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { handOffTerminal } from '../../../src/ui/terminal.js';

/** A stdin that looks like a TTY: raw mode is recorded, ref/unref are spies. */
function fakeTtyStdin(isTTY = true) {
  const s = new PassThrough() as PassThrough & {
    isTTY: boolean;
    isRaw: boolean;
    setRawMode: ReturnType<typeof vi.fn>;
    ref: ReturnType<typeof vi.fn>;
    unref: ReturnType<typeof vi.fn>;
  };
  s.isTTY = isTTY;
  s.isRaw = false;
  s.setRawMode = vi.fn((mode: boolean) => {
    s.isRaw = mode;
    return s;
  });
  s.ref = vi.fn();
  s.unref = vi.fn();
  return s;
}

function fakeTtyStdout(rows = 24, columns = 80) {
  const s = new PassThrough() as PassThrough & { isTTY: boolean; rows: number; columns: number };
  s.isTTY = true;
  s.rows = rows;
  s.columns = columns;
  const chunks: Buffer[] = [];
  s.on('data', (c: Buffer) => chunks.push(c));
  return Object.assign(s, { text: () => Buffer.concat(chunks).toString('utf8') });
}

function fakeRemote() {
  const input = new PassThrough();
  const output = new PassThrough();
  const received: Buffer[] = [];
  input.on('data', (c: Buffer) => received.push(c));
  const resize = vi.fn<(rows: number, cols: number) => Promise<void>>(() => Promise.resolve());
  return { input, output, resize, received: () => Buffer.concat(received).toString('utf8') };
}

function setup(opts: { tty?: boolean; signal?: AbortSignal } = {}) {
  const stdin = fakeTtyStdin(opts.tty ?? true);
  const stdout = fakeTtyStdout();
  const remote = fakeRemote();
  const proc = new EventEmitter();
  const handoff = handOffTerminal({
    stdin: stdin as unknown as NodeJS.ReadStream,
    stdout: stdout as unknown as NodeJS.WriteStream,
    remote,
    proc,
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  return { stdin, stdout, remote, proc, handoff };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('handOffTerminal', () => {
  it('puts a TTY in raw mode, pipes both ways and sends the initial size', async () => {
    const { stdin, stdout, remote, handoff } = setup();
    expect(stdin.setRawMode).toHaveBeenCalledWith(true);
    expect(stdin.isRaw).toBe(true);
    expect(remote.resize).toHaveBeenCalledWith(24, 80);
    // Ctrl-C travels as a byte to the program instead of signalling ccbox.
    stdin.write('ls\r\u0003');
    remote.output.write('hello from the container\r\n');
    await tick();
    expect(remote.received()).toBe('ls\r\u0003');
    expect(stdout.text()).toContain('hello from the container\r\n');
    remote.output.end();
    await handoff.done;
  });

  it('forwards every resize', async () => {
    const { stdout, remote, handoff } = setup();
    stdout.rows = 50;
    stdout.columns = 120;
    stdout.emit('resize');
    stdout.rows = 10;
    stdout.columns = 40;
    stdout.emit('resize');
    expect(remote.resize.mock.calls).toEqual([
      [24, 80],
      [50, 120],
      [10, 40],
    ]);
    remote.output.end();
    await handoff.done;
    // After the hand-off a resize is no longer forwarded.
    stdout.emit('resize');
    expect(remote.resize).toHaveBeenCalledTimes(3);
  });

  it('restores the terminal when the output ends: raw mode off, listeners gone, stdin paused and unref’d', async () => {
    const { stdin, stdout, remote, proc, handoff } = setup();
    expect(stdout.listenerCount('resize')).toBe(1);
    expect(proc.listenerCount('exit')).toBe(1);
    remote.output.end('bye');
    await handoff.done;
    expect(stdin.setRawMode).toHaveBeenLastCalledWith(false);
    expect(stdin.isRaw).toBe(false);
    expect(stdout.listenerCount('resize')).toBe(0);
    expect(proc.listenerCount('exit')).toBe(0);
    expect(stdin.isPaused()).toBe(true);
    expect(stdin.unref).toHaveBeenCalled();
    // Keystrokes after the hand-off stay with ccbox.
    stdin.resume();
    stdin.write('after');
    await tick();
    expect(remote.received()).toBe('');
    // The cursor is shown again and bracketed paste turned off.
    expect(stdout.text()).toContain('bye\u001b[?25h\u001b[?2004l');
  });

  it('restore is idempotent and resolves done', async () => {
    const { stdin, handoff } = setup();
    handoff.restore();
    handoff.restore();
    await handoff.done;
    expect(stdin.setRawMode.mock.calls).toEqual([[true], [false]]);
    expect(stdin.unref).toHaveBeenCalledTimes(1);
  });

  it("restores on the process's 'exit'", () => {
    const { stdin, proc } = setup();
    proc.emit('exit');
    expect(stdin.isRaw).toBe(false);
  });

  it('rejects done (and restores) when the output fails', async () => {
    const { stdin, remote, handoff } = setup();
    remote.output.destroy(new Error('connection reset'));
    await expect(handoff.done).rejects.toThrow('connection reset');
    expect(stdin.isRaw).toBe(false);
  });

  it('rejects done when the output closes without ending', async () => {
    const { stdin, remote, handoff } = setup();
    remote.output.destroy();
    await expect(handoff.done).rejects.toThrow(/premature close/i);
    expect(stdin.isRaw).toBe(false);
  });

  it('restores on abort', async () => {
    const ac = new AbortController();
    const { stdin, handoff } = setup({ signal: ac.signal });
    ac.abort(new Error('received SIGTERM'));
    await expect(handoff.done).rejects.toThrow('received SIGTERM');
    expect(stdin.isRaw).toBe(false);
  });

  it('pipes without raw mode when stdin is not a TTY, and passes EOF on', async () => {
    const { stdin, stdout, remote, handoff } = setup({ tty: false });
    expect(stdin.setRawMode).not.toHaveBeenCalled();
    stdin.end('piped input');
    remote.output.write('out');
    await new Promise((r) => remote.input.on('end', r));
    expect(remote.received()).toBe('piped input');
    remote.output.end();
    await handoff.done;
    expect(stdout.text()).toBe('out');
  });

  it('leaves raw mode alone when the program takes no input', async () => {
    const stdin = fakeTtyStdin();
    const remote = fakeRemote();
    const handoff = handOffTerminal({
      stdin: stdin as unknown as NodeJS.ReadStream,
      stdout: fakeTtyStdout() as unknown as NodeJS.WriteStream,
      remote: { input: null, output: remote.output, resize: remote.resize },
      proc: new EventEmitter(),
    });
    expect(stdin.setRawMode).not.toHaveBeenCalled();
    remote.output.end();
    await handoff.done;
  });

  it('does not crash when keystrokes hit a closed input', async () => {
    const { stdin, remote, handoff } = setup();
    remote.input.destroy(new Error('EPIPE'));
    stdin.write('x');
    await tick();
    remote.output.end();
    await handoff.done;
  });
});
