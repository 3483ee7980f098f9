import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { minimalHostEnv, runHostCommand } from '../../../src/host/command.js';
import { packageRoot } from '../../../src/paths.js';

const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
const sh = (script: string, opts: Partial<Parameters<typeof runHostCommand>[2]> = {}) =>
  runHostCommand('sh', ['-c', script], { env, timeoutMs: 10_000, ...opts });

// A killed process nobody has reaped yet is a zombie: it counts as gone.
const alive = (pid: number): boolean => {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};

describe('host commands', () => {
  it('gives the child only the environment it is handed: no host secret leaks in', async () => {
    process.env.CCBOX_TEST_HOST_SECRET = 'host-secret';
    try {
      const r = await sh('echo "secret=${CCBOX_TEST_HOST_SECRET:-none}"; env | wc -l');
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('secret=none');
      expect(minimalHostEnv(process.env)).not.toHaveProperty('CCBOX_TEST_HOST_SECRET');
      expect(Object.keys(minimalHostEnv(process.env, ['https_proxy'])).sort()).toEqual(
        ['LC_ALL', 'PATH', ...(process.env.https_proxy ? ['https_proxy'] : [])].sort(),
      );
    } finally {
      delete process.env.CCBOX_TEST_HOST_SECRET;
    }
  });

  it('passes stdin and keeps output as it was written', async () => {
    expect(await sh('cat; echo', { input: 'in-put' })).toMatchObject({ code: 0, stdout: 'in-put\n' });
  });

  it('never reports a timeout, a cancel, a signal death or an output cap as success', async () => {
    const timedOut = await sh('exec sleep 5', { timeoutMs: 200 });
    expect(timedOut).toMatchObject({ timedOut: true, code: 143 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    expect(await sh('exec sleep 5', { signal: controller.signal })).toMatchObject({
      cancelled: true,
      code: 143,
    });
    expect(await sh('kill -9 $$')).toMatchObject({ code: 137, signal: 'SIGKILL' });
    const large = await sh('head -c 100000 /dev/zero', { maxBuffer: 1000 });
    expect(large.tooLarge).toBe(true);
    expect(large.code).not.toBe(0);
    expect(await sh('exit 3')).toMatchObject({ code: 3, signal: undefined });
  });

  it('rejects when the program does not exist', async () => {
    await expect(runHostCommand('ccbox-no-such-program', [], { env, timeoutMs: 1000 })).rejects.toMatchObject(
      {
        code: 'ENOENT',
      },
    );
  });

  it('ends the whole process group on cancel (the children of the child too)', async () => {
    const controller = new AbortController();
    const lines: string[] = [];
    const run = sh('sleep 30 & echo "child=$!"; wait', {
      group: true,
      signal: controller.signal,
      onLine: (l) => {
        lines.push(l);
        if (l.startsWith('child=')) controller.abort();
      },
    });
    const r = await run;
    expect(r.cancelled).toBe(true);
    const pid = Number(lines.find((l) => l.startsWith('child='))?.slice(6));
    expect(pid).toBeGreaterThan(0);
    // In a group of its own (field 5 of stat), not ours: what the group kill targets.
    const pgid = (file: string): string =>
      readFileSync(file, 'utf8')
        .replace(/^.*\) /s, '')
        .split(' ')[2] ?? '';
    expect(pgid(`/proc/${pid}/stat`)).not.toBe(pgid('/proc/self/stat'));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(alive(pid)).toBe(false);
  });
});

describe('the one place that spawns', () => {
  it('no file of ccbox but src/host/command.ts uses child_process or execa', () => {
    const root = packageRoot();
    const offenders: string[] = [];
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(full);
        else if (/\.(ts|tsx|js|mjs)$/.test(entry.name)) {
          const rel = path.relative(root, full);
          if (rel === path.join('src', 'host', 'command.ts')) continue;
          if (/child_process|['"]execa['"]/.test(readFileSync(full, 'utf8'))) offenders.push(rel);
        }
      }
    };
    walk(path.join(root, 'src'));
    walk(path.join(root, 'egress'));
    expect(offenders).toEqual([]);
  });
});
