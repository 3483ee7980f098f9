// Concurrency benchmark: N `ccbox shell` sessions started at once, each in its own repository, each
// holding its session open until every session is up (or has failed), so all N are alive together.
// Reports successes and failures (with the failing step and error line), the time to "ready" (p50, p95,
// max), memory per session at the moment all are up (agent + gate containers from their memory cgroups,
// the ccbox host process's RSS, and the host's MemAvailable drop divided by N), and teardown time.
// Everything it started is removed on every way out: children are stopped (ccbox then cleans up), and any
// container or network still labelled with one of the children as owner is removed after.
// Usage: node test/bench/concurrency.mjs [N] [--podman] [--timeout SECONDS]
//   (needs a built dist/, a running engine, the agent image cached, root for the fixtures)
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const cli = path.join(root, 'dist/src/cli/main.js');
const args = process.argv.slice(2);
const n = Number(args.find((a) => /^\d+$/.test(a)) ?? 10);
const podman = args.includes('--podman');
const timeoutS = args.includes('--timeout') ? Number(args[args.indexOf('--timeout') + 1]) : 900;
const engineCli = podman ? 'podman' : 'docker';
const cache = process.env.CCBOX_TEST_CACHE ?? path.join(os.tmpdir(), 'ccbox-test-cache');
const outside = 'ccbox-test-outside';
const GO = '.ccbox-bench-go';

const sh = (file, argv) => execFileSync(file, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
try {
  sh(engineCli, ['network', 'inspect', outside]);
} catch {
  sh(engineCli, ['network', 'create', '--internal', '--label', 'dev.ccbox.test=1', outside]);
}

const scratch = mkdtempSync(path.join(os.tmpdir(), 'ccbox-bench-conc-'));
const repos = Array.from({ length: n }, (_, i) => {
  const repo = path.join(scratch, `repo-${i}`);
  mkdirSync(repo);
  execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: repo });
  writeFileSync(path.join(repo, 'README.md'), 'bench\n');
  execFileSync('git', ['add', 'README.md'], { cwd: repo });
  execFileSync('git', ['-c', 'user.name=b', '-c', 'user.email=b@b.invalid', 'commit', '-qm', 'i'], {
    cwd: repo,
  });
  return repo;
});
if (process.getuid?.() === 0) execFileSync('chown', ['-R', '1000:1000', scratch]);

const env = {
  PATH: process.env.PATH ?? '/usr/bin:/bin',
  HOME: os.tmpdir(),
  CCBOX_CACHE_DIR: cache,
  CCBOX_STATE_DIR: path.join(cache, 'state'),
  CCBOX_GATE_NETWORK: outside,
  ...(podman ? { DOCKER_HOST: 'unix:///run/podman/podman.sock' } : {}),
  ...(process.env.DOCKER_HOST && !podman ? { DOCKER_HOST: process.env.DOCKER_HOST } : {}),
  ...(process.env.NODE_EXTRA_CA_CERTS ? { NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS } : {}),
};
// The session waits for the go file (at most 20 minutes), so every session is alive when memory is read.
const hold = `i=0; while [ ! -e ${GO} ] && [ $i -lt 6000 ]; do sleep 0.2; i=$((i+1)); done`;

const memAvailable = () =>
  Number(/MemAvailable:\s+(\d+)/.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1] ?? 0) * 1024;
const rssOf = (pid) => {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
  } catch {
    return 0;
  }
};

const before = memAvailable();
const t0 = performance.now();
const runs = repos.map((repo) => {
  const child = spawn(process.execPath, [cli, 'shell', '--plain', '--', 'sh', '-c', hold], {
    cwd: repo,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const run = {
    repo,
    child,
    pid: child.pid,
    stderr: '',
    readyMs: undefined,
    session: undefined,
    code: undefined,
  };
  run.done = new Promise((resolve) => {
    child.stderr.on('data', (c) => {
      run.stderr += c.toString();
      if (run.readyMs === undefined && /✓ ready .*session ([0-9a-f]+)/.test(run.stderr)) {
        run.readyMs = performance.now() - t0;
        run.session = /✓ ready .*session ([0-9a-f]+)/.exec(run.stderr)[1];
      }
    });
    child.stdout.resume();
    child.on('close', (code, signal) => {
      run.code = code ?? `signal ${signal}`;
      run.endMs = performance.now() - t0;
      resolve();
    });
  });
  return run;
});

let cleaned = false;
async function cleanup() {
  if (cleaned) return;
  cleaned = true;
  for (const r of runs) if (r.code === undefined) r.child.kill('SIGTERM');
  const grace = setTimeout(() => {
    for (const r of runs) if (r.code === undefined) r.child.kill('SIGKILL');
  }, 60_000);
  await Promise.all(runs.map((r) => r.done));
  clearTimeout(grace);
  // Whatever a killed child could not remove: found by its owner label (host:pid), never anyone else's.
  const owners = new Set(runs.map((r) => `${os.hostname()}:${r.pid}`));
  const mine = (kind) => {
    const ls = kind === 'network' ? ['network', 'ls', '-q'] : ['ps', '-aq'];
    const ids = sh(engineCli, [...ls, '--filter', 'label=dev.ccbox.owner'])
      .split('\n')
      .filter(Boolean);
    if (ids.length === 0) return [];
    const inspect = kind === 'network' ? ['network', 'inspect'] : ['inspect'];
    const label = kind === 'network' ? '.Labels' : '.Config.Labels';
    return sh(engineCli, [...inspect, '--format', `{{.Name}} {{index ${label} "dev.ccbox.owner"}}`, ...ids])
      .split('\n')
      .map((l) => l.trim().split(' '))
      .filter(([, owner]) => owners.has(owner))
      .map(([name]) => name.replace(/^\//, ''));
  };
  const containers = mine('container');
  if (containers.length) sh(engineCli, ['rm', '-f', ...containers]);
  const networks = mine('network');
  if (networks.length) sh(engineCli, ['network', 'rm', ...networks]);
  rmSync(scratch, { recursive: true, force: true });
  return { containers: containers.length, networks: networks.length };
}
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => void cleanup().then(() => process.exit(130)));

const pending = () => runs.filter((r) => r.readyMs === undefined && r.code === undefined);
const deadline = Date.now() + timeoutS * 1000;
while (pending().length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
const allUpMs = performance.now() - t0;
const timedOut = pending();

// Memory while every session that made it is alive.
const ready = runs.filter((r) => r.readyMs !== undefined && r.code === undefined);
const containerMem = (name) => {
  try {
    const pid = sh(engineCli, ['inspect', '--format', '{{.State.Pid}}', name]).trim();
    const line = readFileSync(`/proc/${pid}/cgroup`, 'utf8')
      .split('\n')
      .find((l) => /^\d+:(memory|):/.test(l) && (l.includes(':memory:') || l.startsWith('0::')));
    const rel = line.slice(line.indexOf(':', line.indexOf(':') + 1) + 1);
    const v1 = path.join('/sys/fs/cgroup/memory', rel);
    if (existsSync(path.join(v1, 'memory.usage_in_bytes'))) {
      const stat = readFileSync(path.join(v1, 'memory.stat'), 'utf8');
      return {
        usage: Number(readFileSync(path.join(v1, 'memory.usage_in_bytes'), 'utf8')),
        rss: Number(/^total_rss (\d+)/m.exec(stat)?.[1] ?? 0),
      };
    }
    const v2 = path.join('/sys/fs/cgroup', rel);
    const stat = readFileSync(path.join(v2, 'memory.stat'), 'utf8');
    return {
      usage: Number(readFileSync(path.join(v2, 'memory.current'), 'utf8')),
      rss: Number(/^anon (\d+)/m.exec(stat)?.[1] ?? 0),
    };
  } catch {
    return undefined;
  }
};
const mem = ready.map((r) => ({
  agent: containerMem(`ccbox-${r.session}-agent`),
  gate: containerMem(`ccbox-${r.session}-gate`),
  host: rssOf(r.pid),
}));
const availableDrop = before - memAvailable();

// Release every session and time the teardown.
const tRelease = performance.now();
for (const r of runs) if (r.code === undefined) writeFileSync(path.join(r.repo, GO), '');
const teardownDeadline = Date.now() + 300_000;
while (runs.some((r) => r.code === undefined) && Date.now() < teardownDeadline) {
  await new Promise((r) => setTimeout(r, 250));
}
const teardownMs = performance.now() - tRelease;
const leftovers = await cleanup();

const q = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];
const s = (ms) => `${(ms / 1000).toFixed(1)} s`;
const mib = (b) => `${(b / 1048576).toFixed(1)} MiB`;
const mean = (xs) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
const ok = runs.filter((r) => r.code === 0 && r.readyMs !== undefined);
const failed = runs.filter((r) => !(r.code === 0 && r.readyMs !== undefined));
const readyTimes = runs.filter((r) => r.readyMs !== undefined).map((r) => r.readyMs);

console.log(
  `concurrency: ${n} sessions at once on ${engineCli}, ${os.cpus().length} cores, ${mib(os.totalmem())} RAM`,
);
console.log(
  `  succeeded ${ok.length}, failed ${failed.length}${timedOut.length ? ` (${timedOut.length} not ready after ${timeoutS} s)` : ''}`,
);
if (readyTimes.length) {
  console.log(
    `  time to ready   p50 ${s(q(readyTimes, 0.5))}  p95 ${s(q(readyTimes, 0.95))}  max ${s(Math.max(...readyTimes))}  (all up or failed at ${s(allUpMs)})`,
  );
}
const agentMem = mem.map((m) => m.agent?.usage).filter((x) => x !== undefined);
const gateMem = mem.map((m) => m.gate?.usage).filter((x) => x !== undefined);
const gateRss = mem.map((m) => m.gate?.rss).filter((x) => x !== undefined);
const agentRss = mem.map((m) => m.agent?.rss).filter((x) => x !== undefined);
console.log(`  memory per session (mean over ${mem.length} live sessions):`);
console.log(`    agent container   ${mib(mean(agentMem))} cgroup usage, ${mib(mean(agentRss))} rss`);
console.log(`    gate container    ${mib(mean(gateMem))} cgroup usage, ${mib(mean(gateRss))} rss`);
console.log(`    ccbox process     ${mib(mean(mem.map((m) => m.host)))} rss`);
console.log(
  `    host MemAvailable drop ${mib(availableDrop)} in all, ${mib(ready.length ? availableDrop / ready.length : 0)} per live session`,
);
console.log(
  `  teardown after release: ${s(teardownMs)}; left for the bench to remove: ${leftovers.containers} containers, ${leftovers.networks} networks`,
);
// Where the time went: each step's duration as ccbox reported it ("✓ gate ... (1.8s)").
const duration = (text) => {
  const m = /^(?:(\d+)m)?(\d+(?:\.\d+)?)(ms|s)$/.exec(text);
  if (!m) return undefined;
  return m[3] === 'ms' ? Number(m[2]) : (Number(m[1] ?? 0) * 60 + Number(m[2])) * 1000;
};
const steps = new Map();
for (const r of runs) {
  for (const m of r.stderr.matchAll(/^[✓✗] (\w+) .*\(([^()]*?)\)$/gm)) {
    const ms = duration(m[2].split(', ').pop() ?? '');
    if (ms !== undefined) steps.set(m[1], [...(steps.get(m[1]) ?? []), ms]);
  }
}
if (steps.size) {
  console.log('  step times (all sessions, failed steps included):');
  for (const [step, xs] of steps) {
    console.log(
      `    ${step.padEnd(10)} p50 ${s(q(xs, 0.5))}  p95 ${s(q(xs, 0.95))}  max ${s(Math.max(...xs))}  (${xs.length})`,
    );
  }
}
const reasons = new Map();
for (const r of failed) {
  const line = /^✗ .*$/m.exec(r.stderr)?.[0];
  const why = line
    ? line.replace(/ \([^()]*\)$/, '')
    : (/(error|Error)[^\n]*/.exec(r.stderr)?.[0] ??
      (r.readyMs === undefined ? `not ready (exit ${r.code})` : `exit ${r.code}`));
  const entry = reasons.get(why) ?? { count: 0, example: r.stderr };
  entry.count += 1;
  reasons.set(why, entry);
}
for (const [why, { count, example }] of reasons) {
  console.log(`  failure x${count}: ${why.slice(0, 300)}`);
  const after = example
    .slice(example.indexOf(why) + why.length)
    .split('\n')
    .slice(1, 8);
  for (const l of after) if (l.trim()) console.log(`      ${l.slice(0, 200)}`);
}
process.exitCode = failed.length === 0 ? 0 : 1;
