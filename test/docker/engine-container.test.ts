// A hardened container on an internal network, attacked from inside: every attempt must fail.
import { randomBytes } from 'node:crypto';
import { chmod, chown, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testLabels } from './testbed/run.js';
import { connectEngine } from '../../src/docker/index.js';
import type { ContainerHandle, Engine, NetworkRef } from '../../src/engine/engine.js';
import { sessionLabels } from '../../src/engine/engine.js';

const BASE = 'ccbox-test/base:bookworm';
const RUN = randomBytes(4).toString('hex');
const SESSION = `test-ctr-${RUN}`;
const labels = (role: 'agent' | 'gate' | 'network') => ({
  ...sessionLabels(SESSION, role, 'test-policy'),
  ...testLabels(),
});
const dirs: string[] = [];
let engine: Engine;
let net: NetworkRef;
let side: NetworkRef;
let agent: ContainerHandle;
let roDir: string;
let rwDir: string;

beforeAll(async () => {
  engine = await connectEngine(process.env.DOCKER_HOST ? { host: process.env.DOCKER_HOST } : {});
  if (!(await engine.imageExists(BASE))) throw new Error(`${BASE} is missing: run \`bash .ci/run\``);
  roDir = await mkdtemp(path.join(tmpdir(), 'ccbox-ro-'));
  rwDir = await mkdtemp(path.join(tmpdir(), 'ccbox-rw-'));
  dirs.push(roDir, rwDir);
  await writeFile(path.join(roDir, 'settings.json'), '{"locked":true}\n');
  // World-writable on the host: only the read-only mount can stop the write below.
  await chmod(path.join(roDir, 'settings.json'), 0o666);
  await chmod(roDir, 0o777);
  await chown(rwDir, 1000, 1000);
  net = await engine.createNetwork({
    name: `ccbox-test-${RUN}-int`,
    internal: true,
    labels: labels('network'),
  });
  side = await engine.createNetwork({
    name: `ccbox-test-${RUN}-side`,
    internal: true,
    labels: labels('network'),
  });
  agent = await engine.createContainer({
    name: `ccbox-test-${RUN}-agent`,
    image: BASE,
    cmd: ['sleep', 'infinity'],
    user: '1000:1000',
    workingDir: '/workspace',
    env: { CCBOX_TEST: 'yes' },
    labels: labels('agent'),
    mounts: [
      { type: 'bind', source: rwDir, target: '/workspace', readOnly: false },
      { type: 'bind', source: roDir, target: '/workspace/.claude', readOnly: true },
      { type: 'tmpfs', target: '/tmp', options: { sizeBytes: 16 << 20, uid: 1000, gid: 1000 } },
      {
        type: 'tmpfs',
        target: '/home/agent',
        options: { sizeBytes: 16 << 20, mode: 0o700, uid: 1000, gid: 1000 },
      },
    ],
    readOnlyRootfs: true,
    capDrop: ['ALL'],
    securityOpt: ['no-new-privileges'],
    network: { name: net.name, aliases: ['agent'] },
    extraNetworks: [{ name: side.name }],
    dns: ['127.0.0.1'],
    dnsOptions: ['timeout:1', 'attempts:1'],
    extraHosts: ['gate:192.0.2.10'],
    resources: { memoryBytes: 256 << 20, pidsLimit: 48, nanoCpus: 500_000_000 },
    ulimits: [{ name: 'nofile', soft: 1024, hard: 1024 }],
    init: true,
  });
  await agent.start();
}, 120_000);

afterAll(async () => {
  const result = await engine.gc({ sessions: [SESSION] });
  expect(result.failed).toEqual([]);
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const sh = (script: string, user?: string) => agent.exec(['sh', '-c', script], user ? { user } : {});

describe('hardened container', () => {
  it('has no effective capabilities and no_new_privs, even for uid 0 via exec', async () => {
    for (const user of [undefined, '0:0']) {
      const out = await sh('grep -E "^(CapEff|CapPrm|NoNewPrivs)" /proc/self/status', user);
      expect(out.exitCode).toBe(0);
      expect(out.stdout).toMatch(/CapPrm:\s+0000000000000000/);
      expect(out.stdout).toMatch(/CapEff:\s+0000000000000000/);
      expect(out.stdout).toMatch(/NoNewPrivs:\s+1/);
    }
    const chown = await sh('chown 0 /workspace', '0:0');
    expect(chown.exitCode).not.toBe(0);
  });

  it('runs as the given uid with the given environment', async () => {
    const out = await sh('id -u; id -g; echo "$CCBOX_TEST"; pwd');
    expect(out.stdout).toBe('1000\n1000\nyes\n/workspace\n');
  });

  it('rejects writes to the root filesystem, also as root', async () => {
    for (const user of [undefined, '0:0']) {
      const out = await sh('echo x > /evil', user);
      expect(out.exitCode).not.toBe(0);
      expect(out.stderr).toMatch(/Read-only file system/);
    }
  });

  it('gives writable, noexec tmpfs mounts owned by the uid', async () => {
    const out = await sh('stat -c "%n %u %a" /tmp /home/agent && echo ok > /tmp/f && cat /tmp/f');
    // /tmp exists in the image, so the engine keeps its mode (1777); /home/agent gets the mode asked for.
    expect(out).toMatchObject({ exitCode: 0, stdout: '/tmp 1000 1777\n/home/agent 1000 700\nok\n' });
    const run = await sh('printf "#!/bin/sh\\necho ran\\n" > /tmp/x && chmod +x /tmp/x && /tmp/x');
    expect(run.exitCode).not.toBe(0);
    expect(run.stdout).not.toContain('ran');
    expect(run.stderr).toMatch(/Permission denied/);
  });

  it('keeps the read-only bind read-only beside the writable one', async () => {
    const ro = await sh('echo tampered > /workspace/.claude/settings.json');
    expect(ro.exitCode).not.toBe(0);
    expect(ro.stderr).toMatch(/Read-only file system/);
    expect(await readFile(path.join(roDir, 'settings.json'), 'utf8')).toBe('{"locked":true}\n');
    const rw = await sh('echo work > /workspace/result.txt');
    expect(rw.exitCode).toBe(0);
    expect(await readFile(path.join(rwDir, 'result.txt'), 'utf8')).toBe('work\n');
  });

  it('points the resolver at nothing: the engine forwards only to 127.0.0.1', async () => {
    // On user networks Docker keeps its embedded resolver (127.0.0.11) and uses Dns as its upstream.
    const out = await sh('grep ^nameserver /etc/resolv.conf; grep gate /etc/hosts');
    for (const line of out.stdout.split('\n').filter((l) => l.startsWith('nameserver'))) {
      expect(line).toMatch(/^nameserver 127\.0\.0\.(1|11)$/);
    }
    expect(out.stdout).toMatch(/192\.0\.2\.10\s+gate/);
    expect((await agent.inspect()).dns).toEqual(['127.0.0.1']);
  });

  it('stops a fork bomb at the pids limit', async () => {
    // The bomb runs in a subshell; the outer shell then kills what it started using builtins only
    // (no fork is possible while the limit is exhausted).
    const out = await sh(
      '( i=0; while [ $i -lt 100 ]; do sleep 600 & echo $! >> /tmp/pids; i=$((i+1)); done ) 2>/tmp/err; ' +
        'n=0; while read -r p; do kill $p; n=$((n+1)); done < /tmp/pids; echo "started=$n"; ' +
        'while read -r line; do echo "$line"; done < /tmp/err',
    );
    const started = Number(/started=(\d+)/.exec(out.stdout)?.[1]);
    expect(started).toBeGreaterThan(0);
    expect(started).toBeLessThan(48);
    expect(out.stdout).toMatch(/fork/i);
  });

  it('applies the memory limit and reports the hardening in inspect', async () => {
    const mem = await sh(
      'cat /sys/fs/cgroup/memory.max 2>/dev/null || cat /sys/fs/cgroup/memory/memory.limit_in_bytes',
    );
    expect(mem.stdout.trim()).toBe(String(256 << 20));
    const info = await agent.inspect();
    expect(info).toMatchObject({
      running: true,
      state: 'running',
      user: '1000:1000',
      readOnlyRootfs: true,
      dns: ['127.0.0.1'],
      resources: { memoryBytes: 256 << 20, pidsLimit: 48, nanoCpus: 500_000_000 },
    });
    expect(info.capDrop).toContain('ALL');
    expect(info.securityOpt).toContain('no-new-privileges');
    expect(Object.keys(info.ipAddresses).sort()).toEqual([net.name, side.name].sort());
    expect(info.mounts).toContainEqual(
      expect.objectContaining({ type: 'bind', source: roDir, target: '/workspace/.claude', readOnly: true }),
    );
    expect(info.tmpfs['/tmp']).toContain('uid=1000');
    expect(info.labels).toMatchObject({ 'dev.ccbox.session': SESSION, 'dev.ccbox.role': 'agent' });
  });
});

describe('exec', () => {
  it('demultiplexes stdout and stderr, returns the exit code and feeds stdin', async () => {
    const out = await sh('echo out; echo err >&2; echo more; exit 7');
    expect(out).toEqual({ exitCode: 7, stdout: 'out\nmore\n', stderr: 'err\n' });
    const cat = await agent.exec(['cat'], { stdin: 'from stdin\n' });
    expect(cat).toEqual({ exitCode: 0, stdout: 'from stdin\n', stderr: '' });
    const big = await sh('head -c 300000 /dev/zero | tr "\\0" a');
    expect(big.stdout.length).toBe(300000);
  });
});

describe('attach, resize, kill', () => {
  it('pipes stdin and stdout of a non-TTY container', async () => {
    const c = await engine.createContainer({
      name: `ccbox-test-${RUN}-cat`,
      image: BASE,
      cmd: ['sh', '-c', 'cat; echo done >&2'],
      openStdin: true,
      labels: labels('agent'),
    });
    const io = await c.attach({ stdin: true, stdout: true, stderr: true });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    io.stdout.on('data', (b: Buffer) => out.push(b));
    io.stderr.on('data', (b: Buffer) => err.push(b));
    await c.start();
    io.stdin?.end('echo me\n');
    expect(await c.wait()).toBe(0);
    await finished(io.stdout);
    expect(Buffer.concat(out).toString()).toBe('echo me\n');
    expect(Buffer.concat(err).toString()).toBe('done\n');
    await c.remove();
  });

  it('resizes a TTY and kills a running container', async () => {
    const c = await engine.createContainer({
      name: `ccbox-test-${RUN}-tty`,
      image: BASE,
      cmd: ['sh'],
      tty: true,
      openStdin: true,
      labels: labels('agent'),
    });
    const io = await c.attach({ stdin: true, stdout: true, stderr: true });
    let text = '';
    io.stdout.on('data', (b: Buffer) => (text += b.toString()));
    await c.start();
    await c.resize(33, 77);
    io.stdin?.write('stty size; sleep 600\n');
    await expect.poll(() => text, { timeout: 20_000 }).toMatch(/33 77/);
    await c.kill('SIGKILL');
    expect(await c.wait()).toBe(137);
    await c.kill(); // not running any more: a no-op
    io.close();
    await c.remove();
    await c.remove(); // already gone: a no-op
  });
});
