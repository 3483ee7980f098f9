import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { receiveControl } from '../../../egress/src/control.js';

describe("the gate's control hand-over", () => {
  it('reads the file once it appears, then removes it', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ccbox-control-'));
    const file = path.join(dir, 'control.json');
    setTimeout(
      () => writeFileSync(file, JSON.stringify({ modelKey: 'sk-x', internalAddress: '10.0.0.2' })),
      30,
    );
    expect(await receiveControl(file, 2_000)).toEqual({ modelKey: 'sk-x', internalAddress: '10.0.0.2' });
    expect(existsSync(file)).toBe(false);
  });

  it('fails closed: no file in time, or a file of the wrong shape', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ccbox-control-'));
    await expect(receiveControl(path.join(dir, 'never'), 50)).rejects.toThrow(/did not hand over/);
    const file = path.join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ modelKey: 42 }));
    await expect(receiveControl(file, 50)).rejects.toThrow(/not a non-empty string/);
  });
});
