import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { commandLifecycle, createLifecycle } from '../../../src/cli/lifecycle.js';
import { ExitCodes } from '../../../src/exit-codes.js';

const fakeProcess = (): NodeJS.Process => new EventEmitter() as unknown as NodeJS.Process;

describe('the lifecycle', () => {
  it('maps each signal to a code of the table, first one wins, and a second forces the exit', () => {
    for (const [sig, code] of [
      ['SIGINT', ExitCodes.interrupted],
      ['SIGTERM', ExitCodes.terminated],
      ['SIGHUP', ExitCodes.hangup],
    ] as const) {
      const proc = fakeProcess();
      const forced: number[] = [];
      using life = createLifecycle({ proc, onForcedExit: (c) => forced.push(c) });
      proc.emit(sig, sig);
      expect(life.signal.aborted).toBe(true);
      expect(life.abortExitCode()).toBe(code);
      expect(forced).toEqual([]);
      proc.emit('SIGINT', 'SIGINT');
      expect(forced).toEqual([ExitCodes.interrupted]);
      expect(life.abortExitCode()).toBe(code);
      expect(Object.values(ExitCodes)).toContain(code);
    }
  });

  it('ends the run with outputClosed when stdout or stderr fails (EPIPE), without an uncaught error', () => {
    const stdout = new PassThrough();
    using life = createLifecycle({ proc: fakeProcess(), outputs: [stdout, new PassThrough()] });
    stdout.destroy(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    return new Promise<void>((resolve) =>
      setImmediate(() => {
        expect(life.abortExitCode()).toBe(ExitCodes.outputClosed);
        expect(ExitCodes.outputClosed).toBe(141);
        resolve();
      }),
    );
  });

  it('runs each teardown once, whoever asks, and gives up on one that hangs', async () => {
    using life = createLifecycle({ proc: fakeProcess() });
    let runs = 0;
    const once = life.addTeardown(() => {
      runs += 1;
      return Promise.resolve(['removed']);
    });
    life.addTeardown(() => new Promise<never>(() => undefined));
    expect(await once()).toEqual(['removed']);
    const started = Date.now();
    await life.teardown(200);
    expect(runs).toBe(1);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('stops listening when disposed; a borrowed lifecycle is not disposed by the command', () => {
    const proc = fakeProcess();
    const life = createLifecycle({ proc });
    {
      using borrowed = commandLifecycle(life, []);
      expect(borrowed.signal).toBe(life.signal);
    }
    expect(proc.listenerCount('SIGINT')).toBe(1);
    life[Symbol.dispose]();
    expect(proc.listenerCount('SIGINT')).toBe(0);
  });
});
