import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI, ccboxObjects, cliEnv, isRoot, makeRepo, startCli } from './cli.js';

// Every way out of a session removes what it created: tried as a user would, with a reader that leaves
// early (`| head -1`) and with the engine connection cut in the middle of a session.

const sessionOf = (stderr: string): string => /session ([0-9a-f]{8,})/.exec(stderr)?.[1] ?? 'none';
const ENGINE_SOCKET = (process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock').replace(/^unix:\/\//, '');

describe.skipIf(!isRoot)('exit paths', () => {
  const repo = makeRepo(1000);
  afterAll(() => rmSync(path.dirname(repo), { recursive: true, force: true }));

  it('`| head -1`: ccbox exits 141 (the reader left), and no container or network of the session stays', async () => {
    const child = spawn(
      'bash',
      [
        '-c',
        `"$NODE" "$CLI" shell --plain -- sh -c 'echo a; echo b; sleep 1; echo c' | head -1; echo "ccbox=\${PIPESTATUS[0]}" >&2`,
      ],
      { cwd: repo, env: { ...cliEnv(), NODE: process.execPath, CLI }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    await new Promise((resolve) => child.on('close', resolve));
    expect(stdout).toBe('a\n');
    expect(stderr).toMatch(/^ccbox=141$/m);
    expect(stderr).not.toMatch(/EPIPE|internal error/);
    const session = sessionOf(stderr);
    expect(session).not.toBe('none');
    expect(await ccboxObjects(session)).toEqual({ containers: [], networks: [] });
  });

  // Why three cases: right at the start the long-poll `wait` may still be in flight (a reset request is
  // sent again on a fresh connection: the flake CI once hit); later the cut reaches a waiting `wait`; and
  // when only the attach connection is cut, its end is all that tells ccbox it runs blind.
  it.each([
    ['every connection, as the output starts', 0, false],
    ['every connection, while the command runs', 1_500, false],
    ['only the attach connection, while the command runs', 1_500, true],
  ])(
    'a cut engine connection mid-session (%s): ccbox exits 3 and removes the session anyway',
    async (_when, delayMs, attachOnly) => {
      // A pass-through to the engine socket whose open connections the test can reset; new ones still work.
      const dir = mkdtempSync(path.join(os.tmpdir(), 'ccbox-engine-proxy-'));
      const proxyPath = path.join(dir, 'engine.sock');
      const clients = new Set<net.Socket>();
      const proxy = net.createServer((client) => {
        const upstream = net.connect(ENGINE_SOCKET);
        // The attach request is the one to cut when `attachOnly`: recognised by its first bytes.
        client.once('data', (first: Buffer) => {
          if (!attachOnly || /^POST \S*\/attach\b/.test(first.toString('latin1'))) clients.add(client);
        });
        client.pipe(upstream).on('error', () => client.destroy());
        upstream.pipe(client).on('error', () => upstream.destroy());
        client.on('error', () => upstream.destroy());
        upstream.on('error', () => client.destroy());
        client.on('close', () => {
          clients.delete(client);
          upstream.destroy();
        });
      });
      await new Promise<void>((resolve) => proxy.listen(proxyPath, resolve));
      try {
        const child = startCli(
          ['shell', '--plain', '--', 'sh', '-c', 'echo started; sleep 60; echo finished'],
          {
            cwd: repo,
            env: { DOCKER_HOST: `unix://${proxyPath}` },
          },
        );
        let stdout = '';
        let stderr = '';
        child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
        const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
          child.on('close', (code, signal) => resolve([code, signal])),
        );
        await new Promise<void>((resolve) =>
          child.stdout?.on('data', (c: Buffer) => {
            stdout += c.toString();
            if (stdout.includes('started')) resolve();
          }),
        );
        await new Promise((resolve) => setTimeout(resolve, delayMs));
        for (const c of clients) c.destroy();
        const started = Date.now();
        const [code, signal] = await exited;
        expect(signal).toBeNull();
        expect(code, stderr).toBe(3);
        expect(Date.now() - started).toBeLessThan(40_000);
        expect(stdout).not.toContain('finished');
        expect(stderr).toMatch(/engine connection was lost/);
        const session = sessionOf(stderr);
        expect(session).not.toBe('none');
        expect(await ccboxObjects(session), stderr).toEqual({ containers: [], networks: [] });
      } finally {
        await new Promise((resolve) => proxy.close(resolve));
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
