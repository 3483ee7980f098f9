// Runs the measurements: the host `exec`s the client script in the client container once per
// measurement and reads its JSON answer. Rounds interleave the targets (rotated order each round), so
// machine noise spreads over all of them; the report takes medians over rounds.
import { UPSTREAM_HOST, UPSTREAM_PORT } from './setup.mjs';

const NODE = '/usr/local/bin/node';
const BURSTS = 3;

async function clientRun(client, job, timeoutMs = 600_000) {
  const r = await client.exec([NODE, '/bench/client.mjs', JSON.stringify(job)], {
    signal: AbortSignal.timeout(timeoutMs),
  });
  const last = r.stdout.trim().split('\n').pop() ?? '';
  let answer;
  try {
    answer = JSON.parse(last);
  } catch {
    throw new Error(`client ${job.op} gave no answer (exit ${r.exitCode}): ${r.stderr.trim().slice(-500)}`);
  }
  if (r.exitCode !== 0)
    throw new Error(`client ${job.op} ${JSON.stringify(job.target)} failed: ${answer.error ?? r.stderr}`);
  return answer;
}

/** The direct baseline and one target per proxy, each as the client sees it. */
export function targetsOf(topo) {
  return [
    { name: 'direct', target: { host: topo.upstreamAddress, port: UPSTREAM_PORT } },
    ...topo.proxies.map((p) => ({
      name: p.name,
      proxy: p,
      target: { host: UPSTREAM_HOST, port: UPSTREAM_PORT, proxy: { host: p.address, port: p.port } },
    })),
  ];
}

// Peak resident memory of the proxy's processes (VmHWM, summed over processes of that name) and the
// container's cgroup peak (v1 max_usage_in_bytes or v2 memory.peak; includes page cache of its logs).
const MEMORY_SCRIPT = `for f in /proc/[0-9]*/status; do
  n=$(sed -n 's/^Name:[[:space:]]*//p' "$f" 2>/dev/null); h=$(sed -n 's/^VmHWM:[[:space:]]*\\([0-9]*\\).*/\\1/p' "$f" 2>/dev/null)
  r=$(sed -n 's/^VmRSS:[[:space:]]*\\([0-9]*\\).*/\\1/p' "$f" 2>/dev/null); [ -n "$h" ] && echo "proc $n $h $r"
done
echo "cgroup $(cat /sys/fs/cgroup/memory/memory.max_usage_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.peak 2>/dev/null || echo -)"`;

export async function memoryOf(proxy) {
  const r = await proxy.handle.exec(['sh', '-c', MEMORY_SCRIPT]);
  let hwmKb = 0;
  let rssKb = 0;
  let cgroup = null;
  for (const line of r.stdout.split('\n')) {
    const [kind, name, a, b] = line.trim().split(/\s+/);
    if (kind === 'proc' && name === proxy.process) {
      hwmKb += Number(a);
      rssKb += Number(b);
    }
    if (kind === 'cgroup' && name !== '-' && name !== undefined) cgroup = Number(name);
  }
  return {
    peakRssMB: hwmKb / 1024,
    rssMB: rssKb / 1024,
    cgroupPeakMB: cgroup === null ? null : cgroup / 2 ** 20,
  };
}

/** Checks every proxy refuses a name outside its allowlist (403), so each one enforces what it claims. */
export async function checkEnforcement(topo, targets) {
  for (const t of targets.filter((x) => x.proxy)) {
    const r = await clientRun(topo.client, { op: 'wait', target: t.target });
    if (!r.ok) throw new Error(`${t.name} does not answer on ${t.proxy.address}:${t.proxy.port}: ${r.error}`);
    const d = await clientRun(topo.client, { op: 'deny', target: t.target });
    if (d.status !== 403)
      throw new Error(`${t.name} did not refuse a name outside its allowlist: ${JSON.stringify(d)}`);
  }
}

/** One warm-up per target (JIT, caches, first connections), then `rounds` interleaved rounds. */
export async function runRounds(topo, targets, { rounds, bytes, cycles, tunnels, log }) {
  for (const t of targets) {
    await clientRun(topo.client, { op: 'throughput', target: t.target, bytes: 64 * 2 ** 20 });
    await clientRun(topo.client, { op: 'latency', target: t.target, cycles: 100 });
  }
  const idle = {};
  for (const t of targets.filter((x) => x.proxy)) idle[t.name] = await memoryOf(t.proxy);
  const results = Object.fromEntries(
    targets.map((t) => [t.name, { throughput: [], latency: [], concurrent: [] }]),
  );
  for (let round = 0; round < rounds; round++) {
    const order = targets.map((_, i) => targets[(i + round) % targets.length]);
    for (const t of order) {
      const started = performance.now();
      const thr = await clientRun(topo.client, { op: 'throughput', target: t.target, bytes });
      if (thr.bytes !== bytes) throw new Error(`${t.name}: transferred ${thr.bytes} of ${bytes} bytes`);
      const lat = await clientRun(topo.client, { op: 'latency', target: t.target, cycles });
      // Three bursts per round: one burst of 200 lasts a few hundred ms, so one alone is mostly noise.
      const cons = [];
      for (let b = 0; b < BURSTS; b++)
        cons.push(await clientRun(topo.client, { op: 'concurrent', target: t.target, tunnels }));
      const con = cons.toSorted((a, b) => a.ms - b.ms)[1];
      results[t.name].throughput.push(thr);
      results[t.name].latency.push(lat);
      results[t.name].concurrent.push(...cons);
      log(
        `round ${round + 1}/${rounds} ${t.name.padEnd(9)} ${thr.mbPerS.toFixed(0).padStart(5)} MB/s  ` +
          `p50 ${lat.p50?.toFixed(2)} ms p99 ${lat.p99?.toFixed(2)} ms (${lat.errors} err)  ` +
          `${tunnels} concurrent: ${cons.reduce((a, c) => a + c.errors, 0)} err, median ${con.ms.toFixed(0)} ms  [${((performance.now() - started) / 1000).toFixed(1)} s]`,
      );
    }
  }
  const memory = {};
  for (const t of targets.filter((x) => x.proxy))
    memory[t.name] = { ...(await memoryOf(t.proxy)), idleRssMB: idle[t.name].rssMB };
  return { results, memory };
}
