// Summaries, the table and the verdicts. Medians over rounds; errors summed over rounds.
const median = (xs) => {
  const s = xs.filter((x) => x !== null && Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return null;
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
};

export function summarise(results, memory) {
  const direct = results.direct;
  const directMbps = median(direct.throughput.map((t) => t.mbPerS));
  const directP50 = median(direct.latency.map((l) => l.p50));
  const out = {};
  for (const [name, r] of Object.entries(results)) {
    const mbps = r.throughput.map((t) => t.mbPerS);
    const p50 = median(r.latency.map((l) => l.p50));
    out[name] = {
      throughputMBps: median(mbps),
      throughputRange: [Math.min(...mbps), Math.max(...mbps)],
      percentOfDirect: (100 * median(mbps)) / directMbps,
      p50Ms: p50,
      p99Ms: median(r.latency.map((l) => l.p99)),
      addedP50Ms: p50 - directP50,
      latencyErrors: r.latency.reduce((a, l) => a + l.errors, 0),
      concurrentErrors: r.concurrent.reduce((a, c) => a + c.errors, 0),
      concurrentMs: median(r.concurrent.map((c) => c.ms)),
      concurrentHeldMin: Math.min(...r.concurrent.map((c) => c.held)),
      firstErrors: [...new Set([...r.latency, ...r.concurrent].flatMap((x) => x.firstErrors))].slice(0, 3),
      memory: memory[name] ?? null,
    };
  }
  return out;
}

const f = (x, d = 2) => (x === null || x === undefined ? '-' : x.toFixed(d));

export function table(summary, { tunnels }) {
  const head = [
    'target',
    'MB/s (min-max)',
    '% direct',
    'p50 ms',
    'p99 ms',
    '+p50 ms',
    `${tunnels} conc: err, ms`,
    'RSS MB warm/peak',
    'cgroup peak MB',
  ];
  const rows = Object.entries(summary).map(([name, s]) => [
    name,
    `${f(s.throughputMBps, 0)} (${f(s.throughputRange[0], 0)}-${f(s.throughputRange[1], 0)})`,
    `${f(s.percentOfDirect, 0)} %`,
    f(s.p50Ms),
    f(s.p99Ms),
    name === 'direct' ? '-' : f(s.addedP50Ms),
    `${s.concurrentErrors}, ${f(s.concurrentMs, 0)}`,
    s.memory ? `${f(s.memory.idleRssMB, 0)}/${f(s.memory.peakRssMB, 0)}` : '-',
    s.memory?.cgroupPeakMB != null ? f(s.memory.cgroupPeakMB, 1) : '-',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells) => cells.map((c, i) => c.padEnd(widths[i])).join(' | ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('-|-'), ...rows.map(line)].join('\n');
}

/**
 * The issue's targets: for the gate against each Debian proxy, plus the absolute ones for every proxy.
 * "aim" lines (90 % of direct) are reported but do not decide whether a target set is met.
 */
export function verdicts(summary, { maxAddedP50Ms = 2, aimPercent = 90 } = {}) {
  const lines = [];
  const mark = (b, aim) => (b ? 'met   ' : aim ? 'short ' : 'MISSED');
  const debian = Object.keys(summary).filter((n) => n === 'squid' || n === 'tinyproxy');
  for (const name of Object.keys(summary).filter((n) => n !== 'direct')) {
    const s = summary[name];
    const checks = [
      [s.addedP50Ms <= maxAddedP50Ms, `added p50 ${f(s.addedP50Ms)} ms <= ${maxAddedP50Ms} ms`],
      [
        s.concurrentErrors === 0 && s.latencyErrors === 0,
        `no errors (${s.concurrentErrors} at 200 concurrent, ${s.latencyErrors} in the cycles)`,
      ],
    ];
    if (name === 'gate') {
      for (const d of debian) {
        const o = summary[d];
        checks.push(
          [
            s.throughputMBps >= o.throughputMBps,
            `throughput ${f(s.throughputMBps, 0)} >= ${d} ${f(o.throughputMBps, 0)} MB/s`,
          ],
          [s.p50Ms <= o.p50Ms, `p50 ${f(s.p50Ms)} <= ${d} ${f(o.p50Ms)} ms`],
          [s.p99Ms <= o.p99Ms, `p99 ${f(s.p99Ms)} <= ${d} ${f(o.p99Ms)} ms`],
          [
            s.concurrentMs <= o.concurrentMs,
            `200 concurrent ${f(s.concurrentMs, 0)} <= ${d} ${f(o.concurrentMs, 0)} ms`,
          ],
        );
      }
    }
    const aim = [
      s.percentOfDirect >= aimPercent,
      `throughput ${f(s.percentOfDirect, 0)} % of direct >= ${aimPercent} % (aim)`,
      true,
    ];
    const missed = checks.filter(([b]) => !b).length;
    lines.push(
      `${name}: ${missed === 0 ? 'all targets met' : `${missed} of ${checks.length} targets missed`}`,
    );
    for (const [b, text, isAim] of [...checks, aim]) lines.push(`  ${mark(b, isAim)} ${text}`);
  }
  return lines.join('\n');
}
