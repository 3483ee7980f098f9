import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { watchAttach } from '../../../src/cli/commands/attach-watch.js';

const streams = (): { stdout: PassThrough; stderr: PassThrough } => {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  stdout.resume();
  stderr.resume();
  return { stdout, stderr };
};
const tick = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('watchAttach', () => {
  it('reports an error on the attach stream at once', async () => {
    const s = streams();
    const reasons: string[] = [];
    watchAttach(s, (r) => reasons.push(r), 1_000);
    s.stdout.destroy(new Error('read ECONNRESET'));
    await tick(10);
    expect(reasons).toEqual(['read ECONNRESET']);
  });

  it('reports an end of the stream when the container has not exited within the grace', async () => {
    const s = streams();
    const reasons: string[] = [];
    watchAttach(s, (r) => reasons.push(r), 30);
    s.stdout.end();
    await tick(80);
    expect(reasons).toEqual(['the attach stream ended while the container kept running']);
  });

  it('stays quiet when the container exits within the grace (the normal end of a session)', async () => {
    const s = streams();
    const reasons: string[] = [];
    const watch = watchAttach(s, (r) => reasons.push(r), 30);
    s.stdout.end();
    await tick(5);
    watch.exited();
    await tick(80);
    expect(reasons).toEqual([]);
  });
});
